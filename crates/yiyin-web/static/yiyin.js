// 一印 — progressive enhancement only: every page works without this file.
// Confirms irreversible actions and fills today's date where a form asks for it.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
