// The plan view's moves: drag a slot's card onto another slot, or — the same action by keyboard —
// press "Verschieben" on one slot, then "Hierher" on the target (Esc cancels). Both fill the one
// move form (CSRF token, plan revision, the posts both slots showed) and submit it; the server's
// plan operation does the rest. A static file because the Content-Security-Policy allows no inline script.
(() => {
  const live = document.getElementById("plan-live");
  const form = document.getElementById("move-form");
  const say = text => { if (live) { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 50); } };
  const flash = document.getElementById("flash");
  if (flash) flash.querySelector("button.close").addEventListener("click", () => flash.remove());
  if (!form) {
    document.addEventListener("keydown", e => { if (e.key === "Escape" && flash) flash.remove(); });
    return;
  }
  const slots = [...document.querySelectorAll("li.slot")];
  let source = null;

  const submitMove = (from, to) => {
    if (!from || !to || from === to) return;
    form.elements.slot.value = from.dataset.slot;
    form.elements.expected.value = from.dataset.expected;
    form.elements.target.value = to.dataset.slot;
    form.elements.expected_target.value = to.dataset.expected;
    say(`Wird verschoben: ${from.dataset.label} nach ${to.dataset.label}.`);
    form.submit();
  };
  const cancel = announce => {
    if (!source) return;
    source.classList.remove("picked");
    source.querySelector("button.pick").setAttribute("aria-pressed", "false");
    slots.forEach(s => { const b = s.querySelector("button.drop"); if (b) b.hidden = true; });
    const back = source.querySelector("button.pick");
    source = null;
    if (announce) { say("Verschieben abgebrochen."); back.focus(); }
  };
  const pick = slot => {
    cancel(false);
    source = slot;
    slot.classList.add("picked");
    slot.querySelector("button.pick").setAttribute("aria-pressed", "true");
    const targets = slots.filter(s => s !== slot && s.dataset.target);
    targets.forEach(s => { s.querySelector("button.drop").hidden = false; });
    say(`${slot.dataset.label} ausgewählt. Jetzt beim Zieltermin „Hierher“ drücken; Escape bricht ab. ` +
        `${targets.length} mögliche Ziele.`);
    if (targets.length) targets[0].querySelector("button.drop").focus();
  };

  slots.forEach(slot => {
    const pickButton = slot.querySelector("button.pick");
    if (pickButton) pickButton.addEventListener("click", () => (source === slot ? cancel(true) : pick(slot)));
    const dropButton = slot.querySelector("button.drop");
    if (dropButton) dropButton.addEventListener("click", () => submitMove(source, slot));
    if (slot.dataset.movable) {
      slot.addEventListener("dragstart", e => {
        source = slot;
        slot.classList.add("dragging");
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", slot.dataset.slot);
      });
      slot.addEventListener("dragend", () => slot.classList.remove("dragging"));
    }
    if (slot.dataset.target) {
      slot.addEventListener("dragover", e => { if (source && source !== slot) { e.preventDefault(); slot.classList.add("over"); } });
      slot.addEventListener("dragleave", () => slot.classList.remove("over"));
      slot.addEventListener("drop", e => { e.preventDefault(); slot.classList.remove("over"); submitMove(source, slot); });
    }
  });
  document.addEventListener("keydown", e => {
    if (e.key !== "Escape") return;
    if (source) cancel(true); else if (flash) flash.remove();
  });
  // Back from an action: the slot it was about is in view (the URL's #slot-… or the flash).
  if (location.hash) { const el = document.querySelector(location.hash); if (el) el.scrollIntoView({block: "center"}); }
})();
