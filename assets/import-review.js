// "Add a review": a progress indicator while a long report is read, and text selected in the report
// copied into the "Add one the service missed" box. Without JavaScript both pages still work.
const form = document.querySelector("[data-import-form]");
if (form) {
  form.addEventListener("submit", () => {
    const progress = form.querySelector("[data-import-progress]");
    if (progress) progress.hidden = false;
    const button = form.querySelector("button[type=submit], .govuk-button");
    if (button) button.setAttribute("aria-disabled", "true");
  });
}

const report = document.querySelector("[data-report]");
const target = document.querySelector("[data-selection-target]");
if (report && target) {
  report.addEventListener("mouseup", () => {
    const selected = window.getSelection().toString().trim();
    if (selected) target.value = selected;
  });
}
