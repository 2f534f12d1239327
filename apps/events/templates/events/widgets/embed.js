/* Rose Ash events widgets: put <div data-roseash-events="upcoming"></div> (or "month"), and
   optionally data-calendar="<slug>", where the widget goes, then load this script once. */
(function () {
  "use strict";
  var origin = "{{ origin|escapejs }}";
  var heights = { upcoming: 260, month: 240 };
  document.querySelectorAll("[data-roseash-events]").forEach(function (slot) {
    var kind = slot.getAttribute("data-roseash-events");
    if (!heights[kind] || slot.querySelector("iframe")) return;
    var url = origin + "/widgets/" + kind + "/";
    var calendar = slot.getAttribute("data-calendar");
    if (calendar) url += "?calendar=" + encodeURIComponent(calendar);
    var frame = document.createElement("iframe");
    frame.src = url;
    frame.title = kind === "month" ? "Events this month" : "Upcoming events";
    frame.loading = "lazy";
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.height = heights[kind] + "px";
    slot.appendChild(frame);
  });
})();
