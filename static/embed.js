/*
 * ssexplain embed script, for the page that hosts the widget (a forum or a small site).
 *
 * Paste:  <div data-ssexplain></div>
 *         <script src="https://HOST/embed.js" async></script>
 *
 * Each <div data-ssexplain> becomes an iframe showing HOST/embed. Options on the div:
 *   data-question="..."  opens the widget with that question answered;
 *   data-height="600"    the frame's height in pixels until the widget reports its own.
 *
 * The frame tells this page how tall its content is, with postMessage. A message is used
 * only when it comes from HOST exactly (event.origin) and from one of the frames this
 * script made (event.source); anything else is ignored. No cookies, no storage.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var APP_ORIGIN = new URL(script.src).origin;
  var MESSAGE_TYPE = "ssexplain:height";
  var DEFAULT_HEIGHT = 480;
  var MIN_HEIGHT = 160;
  var MAX_HEIGHT = 6000;
  var MAX_QUESTION = 500;
  var TITLE = "Superficial siderosis explained: ask a question";
  var frames = [];

  function clampHeight(value, fallback) {
    var number = Math.round(Number(value));
    if (!isFinite(number) || number <= 0) {
      return fallback;
    }
    return Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, number));
  }

  function frameFor(holder) {
    var src = new URL("/embed", APP_ORIGIN);
    var question = (holder.getAttribute("data-question") || "").trim();
    if (question) {
      src.searchParams.set("q", question.slice(0, MAX_QUESTION));
    }
    var frame = document.createElement("iframe");
    frame.src = src.href;
    frame.title = TITLE;
    frame.setAttribute("loading", "lazy");
    frame.className = "ssexplain-frame";
    // Set through the CSSOM, not a style attribute, so a strict host CSP still allows it.
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.maxWidth = "700px";
    frame.style.minWidth = "280px";
    frame.style.border = "0";
    frame.style.height = clampHeight(holder.getAttribute("data-height"), DEFAULT_HEIGHT) + "px";
    return frame;
  }

  function mount(holder) {
    var frame = frameFor(holder);
    holder.parentNode.replaceChild(frame, holder);
    frames.push(frame);
  }

  function mountAll() {
    var holders = document.querySelectorAll("div[data-ssexplain]");
    for (var i = 0; i < holders.length; i += 1) {
      mount(holders[i]);
    }
  }

  function onMessage(event) {
    if (event.origin !== APP_ORIGIN || !event.source) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== MESSAGE_TYPE) {
      return;
    }
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = clampHeight(data.height, parseInt(frames[i].style.height, 10)) + "px";
        return;
      }
    }
  }

  window.addEventListener("message", onMessage);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
