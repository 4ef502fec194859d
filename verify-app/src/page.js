// The verifier page's one enhancement: drop a file onto the file field. Without this script the
// file input, the text box and the link field work as a plain form.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.getElementById("drop");
  const input = document.getElementById("file");
  const picked = document.getElementById("picked");
  if (!zone || !input || !picked) return;
  const show = () => {
    picked.textContent = input.files && input.files.length ? "Selected: " + input.files[0].name : "";
  };
  input.addEventListener("change", show);
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
});
