"""
An event's dates as people read them: the dates a recurring rule gives (``recurrence``), the month
and week they are laid out on (``grids``) and the iCalendar feeds calendar apps subscribe to
(``ical``). Plain functions over rows the caller has loaded.
"""
