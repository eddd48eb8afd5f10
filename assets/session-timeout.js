// The warning before an idle session ends (WCAG 2.2.1 Timing Adjustable): a dialog opens
// SESSION_WARNING_SECONDS before the limit with a "Stay signed in" button, which POSTs (with the CSRF token)
// to /session/extend and starts the count again. The limits themselves are kept by the server; this only
// warns. The times come from data attributes on #app-session-timeout (see templates/auth/_session_timeout.html).

function inWords(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

export function initSessionTimeout(root = document) {
  const container = root.getElementById("app-session-timeout");
  const dialog = container && container.querySelector("dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return null;
  }
  const form = container.querySelector("[data-timeout-extend]");
  const announce = container.querySelector("[data-timeout-announce]");
  const signInUrl = container.dataset.signInUrl;
  const warningMs = Number(container.dataset.warningSeconds) * 1000;
  let idleEnd = 0;
  let absoluteEnd = 0;
  let warnTimer = null;
  let endTimer = null;
  let tick = null;
  let focusBefore = null;
  let lastAnnounced = null;

  function secondsLeft() {
    return Math.max(0, Math.round((Math.min(idleEnd, absoluteEnd) - Date.now()) / 1000));
  }

  function showCountdown() {
    const left = secondsLeft();
    for (const countdown of container.querySelectorAll(".app-timeout-countdown")) {
      countdown.textContent = inWords(left);
    }
    // Screen readers hear the time when the dialog opens, then each minute and at 20 seconds, not every second.
    const spoken = left > 60 ? Math.ceil(left / 60) * 60 : left > 20 ? 60 : 20;
    if (spoken !== lastAnnounced) {
      lastAnnounced = spoken;
      announce.textContent = `You will be signed out in ${inWords(left)}.`;
    }
  }

  function warn() {
    const absoluteFirst = absoluteEnd <= idleEnd;
    container.querySelector('[data-timeout-reason="idle"]').hidden = absoluteFirst;
    container.querySelector('[data-timeout-reason="absolute"]').hidden = !absoluteFirst;
    form.hidden = absoluteFirst; // staying longer would not help: the absolute limit cannot be extended
    lastAnnounced = null;
    showCountdown();
    focusBefore = document.activeElement;
    if (!dialog.open) {
      dialog.showModal();
    }
    tick = window.setInterval(showCountdown, 1000);
  }

  function schedule(idleSeconds, absoluteSeconds) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    window.clearInterval(tick);
    const now = Date.now();
    idleEnd = now + idleSeconds * 1000;
    absoluteEnd = now + absoluteSeconds * 1000;
    const end = Math.min(idleEnd, absoluteEnd);
    warnTimer = window.setTimeout(warn, Math.max(0, end - warningMs - now));
    // At the limit the server has already ended the session: going to sign in shows why.
    endTimer = window.setTimeout(() => window.location.assign(signInUrl), end - now + 1000);
  }

  function close() {
    window.clearInterval(tick);
    if (dialog.open) {
      dialog.close();
    }
    if (focusBefore && typeof focusBefore.focus === "function") {
      focusBefore.focus();
    }
  }

  async function extend() {
    const token = form.querySelector('input[name="csrf_token"]').value;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token },
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.includes("application/json")) {
        throw new Error("The session could not be extended");
      }
      const times = await response.json();
      close();
      schedule(times.idle_seconds, times.absolute_seconds);
      announce.textContent = "You are still signed in.";
    } catch {
      window.location.assign(signInUrl);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    extend();
  });
  // Escape is as good as "Stay signed in": it is a simple action the person took.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!form.hidden) {
      extend();
    }
  });

  schedule(Number(container.dataset.idleSeconds), Number(container.dataset.absoluteSeconds));
  return { extend, dialog };
}
