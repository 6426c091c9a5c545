// "Copy YAML" on an unanswered-question group. Progressive enhancement: without this script
// the button stays hidden and the snippet is plain selectable text.
(function () {
  "use strict";

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById("copy-status");
    if (!target) {
      return;
    }
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say("Copied."); },
          function () { selectText(target); say("Selected: press Ctrl+C (⌘C on a Mac) to copy."); }
        );
      } else {
        selectText(target);
        say("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
      }
    });
  });
})();
