// The review board's keyboard: j/k move between cards, the action keys press the current card's
// button that announces the key (aria-keyshortcuts), m jumps to the municipality field, Esc
// closes the message. A static file because the Content-Security-Policy allows no inline script.
(() => {
  const cards = [...document.querySelectorAll("article[data-id]")];
  let index = Math.max(0, cards.findIndex(c => "#" + c.id === location.hash));
  const focus = i => {
    if (!cards.length) return;
    index = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach(c => c.classList.remove("current"));
    cards[index].classList.add("current");
    cards[index].focus({preventScroll: true});
    cards[index].scrollIntoView({block: "nearest"});
  };
  const buttonFor = key => cards[index] && /^[a-z]$/.test(key) &&
    cards[index].querySelector(`button[aria-keyshortcuts="${key}"]`);
  document.addEventListener("focusin", event => {
    const card = event.target.closest("article[data-id]");
    if (card) { index = cards.indexOf(card); cards.forEach(c => c.classList.toggle("current", c === card)); }
  });
  const flash = document.getElementById("flash");
  const closeFlash = () => flash && flash.remove();
  if (flash) flash.querySelector("button.close").addEventListener("click", closeFlash);
  document.addEventListener("keydown", event => {
    if (event.key === "Escape") closeFlash();
    if (event.target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") focus(index + 1);
    else if (event.key === "k") focus(index - 1);
    else if (event.key === "m" && cards[index]) { event.preventDefault(); cards[index].querySelector("input[name=municipality]").focus(); }
    else if (buttonFor(event.key)) buttonFor(event.key).click();
  });
  focus(index);
})();
