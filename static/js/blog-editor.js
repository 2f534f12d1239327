// The blog's body editor: django-prose-editor's ProseMirror build, started without anything inline.
//
// django-prose-editor's own starter needs an inline import map and lets Tiptap inject an inline
// <style>; our Content-Security-Policy refuses both. So this module imports the built editor by
// its URL and starts it with injectCSS off (editor.css styles it). It also uploads pictures to the
// blog's picture endpoint and, on the staff editor page, autosaves the draft.
import {
  Blockquote, Bold, BulletList, Document, Dropcursor, Editor, Gapcursor, HardBreak, Heading, History,
  HorizontalRule, Image, Italic, Link, ListItem, Menu, OrderedList, Paragraph, Text,
} from "../django_prose_editor/editor.js";

const AUTOSAVE_DELAY = 2000; // milliseconds of quiet before a draft is saved

function csrfToken(element) {
  const input = element.closest("form")?.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function startEditor(textarea) {
  const wrapper = document.createElement("div");
  wrapper.className = "prose-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  return new Editor({
    element: wrapper,
    injectCSS: false,
    content: textarea.value,
    extensions: [
      Document, Paragraph, Text, HardBreak, History, Dropcursor, Gapcursor, Menu,
      Heading.configure({ levels: [2, 3, 4] }), Bold, Italic, Link, Blockquote, HorizontalRule,
      BulletList, OrderedList, ListItem, Image,
    ],
    onTransaction({ editor, transaction }) {
      // Once words are linked (the link dialog), the cursor goes after the link, as in a word
      // processor: what is typed next follows the link instead of replacing the linked words.
      const linked = transaction.steps.some((step) => step.toJSON().stepType === "addMark" && step.mark.type.name === "link");
      if (linked && !transaction.selection.empty) {
        const end = transaction.selection.to;
        queueMicrotask(() => editor.chain().setTextSelection(end).run());
      }
    },
    onUpdate({ editor }) {
      const html = editor.getHTML();
      textarea.value = html === "<p></p>" ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
  });
}

function connectPictures(textarea, editor, uploadUrl) {
  const input = document.querySelector(`[data-blog-editor-picture="${textarea.id}"]`);
  const alt = document.querySelector(`[data-blog-editor-alt="${textarea.id}"]`);
  const status = document.querySelector(`[data-blog-editor-status="${textarea.id}"]`);
  if (!input) return;
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    status.textContent = "Uploading…";
    const response = await fetch(uploadUrl, {
      method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(textarea) },
    });
    const answer = await response.json().catch(() => ({ message: `The upload failed (${response.status}).` }));
    input.value = "";
    if (!response.ok) {
      status.textContent = answer.message;
      return;
    }
    editor.chain().focus().setImage({ src: answer.url, alt: alt.value }).run();
    alt.value = "";
    status.textContent = "Picture inserted.";
  });
}

function connectAutosave(form) {
  const status = form.querySelector("[data-autosave-status]");
  let timer = null;
  let saving = null; // the save under way, which a button press waits for
  async function save() {
    if (form.dataset.status === "published") return; // published posts change only by a button
    const fields = Object.fromEntries(
      ["title", "slug", "excerpt", "body"].map((name) => [name, form.elements[name].value]),
    );
    if (!fields.title.trim()) return; // the services refuse a post without a title
    const response = await fetch(form.dataset.autosave, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
      body: JSON.stringify({ ...fields, post: form.dataset.post ? Number(form.dataset.post) : null }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = `Not saved: ${answer.message || response.status}`;
      return;
    }
    if (!form.dataset.post) {
      // Created by this save: the buttons now change that post rather than write a second one.
      form.dataset.post = answer.post;
      form.action = answer.edit_url;
      window.history.replaceState(null, "", answer.edit_url);
    }
    status.textContent = `Draft saved at ${new Date(answer.saved).toLocaleTimeString()}.`;
  }
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      saving = save().finally(() => { saving = null; });
    }, AUTOSAVE_DELAY);
  });
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (saving) {
      // A first autosave may be creating the post: submit once it has, to that post's address.
      event.preventDefault();
      saving.then(() => form.requestSubmit(event.submitter));
    }
  });
}

for (const textarea of document.querySelectorAll("textarea[data-blog-editor]")) {
  if (textarea.id.includes("__prefix__")) continue; // an admin inline's template row
  const { upload } = JSON.parse(textarea.dataset.blogEditor);
  const editor = startEditor(textarea);
  connectPictures(textarea, editor, upload);
}
for (const form of document.querySelectorAll("form[data-autosave]")) connectAutosave(form);
