// Small enhancements of the service's own, started from app.js.
//
// revealWhen: a block marked data-app-reveal-when="NAME=VALUE" is shown only while the radio NAME has VALUE
// checked (the re-check date under "Accept", the evidence pack's board, review or agency list). GOV.UK's own
// conditional reveal puts aria-expanded on the radio inputs, which ARIA does not allow on a radio; this does
// the same without it. Without JavaScript every block stays visible, with its hint saying when it applies.
//
// scrollTables: every table of the main content sits in a keyboard-focusable scroll container named after its
// caption, with a visible "scroll sideways" cue while it is wider than the screen, so that no page scrolls
// sideways on a 320 px screen (WCAG 1.4.10).

export function revealWhen(root = document) {
  for (const block of root.querySelectorAll("[data-app-reveal-when]")) {
    const [name, value] = block.dataset.appRevealWhen.split("=");
    const radios = root.querySelectorAll(`input[type="radio"][name="${name}"]`);
    const sync = () => {
      const chosen = Array.from(radios).find((radio) => radio.checked);
      const show = chosen !== undefined && chosen.value === value;
      // Keep a block with an error visible, so the error is never hidden.
      block.hidden = !show && !block.querySelector(".govuk-form-group--error");
    };
    radios.forEach((radio) => radio.addEventListener("change", sync));
    sync();
  }
}

export function scrollTables(root = document) {
  const tables = root.querySelectorAll("main table.govuk-table");
  tables.forEach((table, index) => {
    if (table.parentElement.classList.contains("app-table-scroll")) return;
    const wrap = document.createElement("div");
    wrap.className = "app-table-scroll";
    wrap.setAttribute("role", "region");
    wrap.tabIndex = 0;
    const caption = table.querySelector("caption");
    const name = caption && caption.textContent.trim() ? caption.textContent.trim() : `Table ${index + 1}`;
    wrap.setAttribute("aria-label", name);
    const cue = document.createElement("p");
    cue.className = "govuk-body-s app-table-scroll__cue";
    cue.textContent = "Scroll sideways to see the whole table";
    cue.hidden = true;
    table.parentNode.insertBefore(cue, table);
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
    const update = () => {
      const overflowing = wrap.scrollWidth > wrap.clientWidth + 1;
      cue.hidden = !overflowing;
      wrap.classList.toggle("app-table-scroll--overflowing", overflowing);
    };
    update();
    window.addEventListener("resize", update);
  });
  document.documentElement.classList.add("app-tables-wrapped");
}
