// The credential page's copy buttons (progressive enhancement: without this script the values
// are plain text to select, and the buttons stay hidden).
"use strict";
(function () {
  var status = document.querySelector(".copied");
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var value = document.getElementById(button.dataset.copy);
      var label = button.getAttribute("aria-label").replace(/^Copy /, "");
      var done = function () { status.textContent = label + " copied."; };
      var fallback = function () {
        // No clipboard access: select the value so that Ctrl+C or the phone's menu copies it.
        var range = document.createRange();
        range.selectNodeContents(value);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        status.textContent = label + " selected: press Ctrl+C (or use Copy) to copy it.";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(value.textContent.trim()).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
