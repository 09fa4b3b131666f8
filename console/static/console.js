// Roster console: copy buttons and live refresh. Every page works without it.
"use strict";
document.addEventListener("click", async (e) => {
  const b = e.target.closest("button.copy");
  if (!b) return;
  const el = document.getElementById(b.dataset.copy);
  if (!el) return;
  const text = el.textContent.trim();
  // The clipboard API is missing on an http page other than localhost, and
  // may refuse or never answer when the page lacks focus: then the text is
  // selected and copied the old way (or by Ctrl+C).
  const wrote = navigator.clipboard
    ? await Promise.race([
        navigator.clipboard.writeText(text).then(() => true, () => false),
        new Promise((done) => setTimeout(() => done(false), 3000)),
      ])
    : false;
  if (!wrote) {
    const r = document.createRange();
    r.selectNodeContents(el);
    const s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
    document.execCommand && document.execCommand("copy");
  }
  b.textContent = "Copied";
  b.dataset.copied = "true";
  b.setAttribute("aria-live", "polite");
  setTimeout(() => { b.textContent = "Copy"; }, 2000);
});
// Live refresh: an element with data-refresh="N" reloads its page every N
// seconds while the page is visible and no form field has focus.
(() => {
  const el = document.querySelector("[data-refresh]");
  if (!el) return;
  const every = Math.max(5, parseInt(el.dataset.refresh, 10) || 15) * 1000;
  setInterval(() => {
    const f = document.activeElement;
    if (document.visibilityState === "visible" && !(f && f.closest("form"))) location.reload();
  }, every);
})();
// Live status: the element with data-status-url has its [data-field]
// elements refreshed from that JSON every second while the page is
// visible, and its [data-badge] the class of the badge it names.
(() => {
  const el = document.querySelector("[data-status-url]");
  if (!el) return;
  const refresh = async () => {
    if (document.visibilityState !== "visible") return;
    try {
      const res = await fetch(el.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!res.ok) return; // the page keeps what it shows; a reload tells why
      const data = await res.json();
      el.querySelectorAll("[data-field]").forEach((f) => {
        const v = data[f.dataset.field];
        if (typeof v === "string" && f.textContent !== v) f.textContent = v;
      });
      el.querySelectorAll("[data-badge]").forEach((b) => { b.className = "badge " + data.badge; });
    } catch (e) {
      // offline or ended: the same
    }
  };
  setInterval(refresh, 1000);
})();
