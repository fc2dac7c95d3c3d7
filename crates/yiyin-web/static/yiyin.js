// 一印 — progressive enhancement only: every page works without this file.
// Confirms irreversible actions and fills today's date where a form asks for it.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
// Buttons that print the page or go back (the Content-Security-Policy forbids inline handlers).
document.addEventListener("click", function (e) {
  var t = e.target.closest ? e.target.closest("[data-print],[data-back]") : null;
  if (!t) { return; }
  // Without this script the same links still work: 打印 opens the PDF, 返回 goes to the case.
  if (t.hasAttribute("data-print")) { e.preventDefault(); window.print(); }
  else if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
});
// A file field shows the names of the files chosen (our own Chinese button hides the browser's).
document.addEventListener("change", function (e) {
  var t = e.target;
  if (!t.classList || !t.classList.contains("file-input")) { return; }
  var shown = t.parentNode.querySelector(".file-name");
  if (!shown) { return; }
  var names = [];
  for (var i = 0; i < t.files.length; i++) { names.push(t.files[i].name); }
  shown.textContent = names.length ? "已选择：" + names.join("、") : "未选择文件";
});
