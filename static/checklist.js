// The question list without a page load: a Copy link button and a Print button.
// Progressive enhancement only: both buttons stay hidden unless this script runs, and the
// page works fully without it (the link is in a text box, and browsers can print).
(function () {
  "use strict";

  function say(message) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  function copyFrom(input) {
    var text = input.value;
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    input.focus();
    input.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function setUpCopy(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyFrom(input).then(function () {
        say("Link copied. You can now paste it into an email or a message.");
      }, function () {
        input.focus();
        input.select();
        say("Your browser did not let us copy. The link is selected: copy it yourself.");
      });
    });
  }

  function setUpPrint(button) {
    if (typeof window.print !== "function") { return; }
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  document.querySelectorAll(".js-copy").forEach(setUpCopy);
  document.querySelectorAll(".js-print").forEach(setUpPrint);
}());
