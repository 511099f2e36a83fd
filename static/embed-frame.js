/*
 * Inside the /embed frame. Two jobs, both optional: the page works without this script.
 *
 * 1. Tell the host page how tall the widget is, so embed.js can size the frame to fit.
 *    The message holds only a number (the height) and a type name: never a question or an
 *    answer. It is addressed to the host page's origin when the browser tells us what it is
 *    (location.ancestorOrigins, or the referrer of the first load); only when neither is
 *    known is it sent to "*", which is safe because a page height is all it says.
 *
 * 2. Ask without reloading: the question forms send { question, history } to /api/ask and
 *    the reply is added as a card built by answer-card.js (loaded first), with the same markup
 *    as templates/_answer_card.html. Without that script the forms simply load the page.
 *
 * No cookies and no storage: the conversation lives in the page's hidden fields.
 */
(function () {
  "use strict";

  var MESSAGE_TYPE = "ssexplain:height";
  var AnswerCard = window.AnswerCard;

  // ------------------------------------------------------------ height for the host page

  function hostOrigin() {
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length && ancestors[0] && ancestors[0] !== "null") {
      return ancestors[0];
    }
    try {
      if (document.referrer) {
        return new URL(document.referrer).origin;
      }
    } catch (error) {
      // An unreadable referrer: fall through to "*".
    }
    return "*";
  }

  var lastHeight = 0;
  var target = hostOrigin();

  function contentHeight() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function reportHeight() {
    if (window.parent === window) {
      return;
    }
    var height = contentHeight();
    if (height === lastHeight || height <= 0) {
      return;
    }
    lastHeight = height;
    window.parent.postMessage({ type: MESSAGE_TYPE, height: height }, target);
  }

  function watchHeight() {
    reportHeight();
    if (window.ResizeObserver) {
      new ResizeObserver(reportHeight).observe(document.documentElement);
    } else {
      window.addEventListener("resize", reportHeight);
    }
    window.addEventListener("load", reportHeight);
  }

  // ------------------------------------------------------------ asking

  function exampleQuestions() {
    // Offered under an answer that has no follow-ups of its own, as on the server.
    try {
      return JSON.parse(document.getElementById("ask-form").getAttribute("data-examples") || "[]");
    } catch (error) {
      return [];
    }
  }

  function currentHistory() {
    var fields = document.querySelectorAll("#history-fields input[name=h]");
    return Array.prototype.map.call(fields, function (field) { return field.value; });
  }

  function setHistory(history) {
    var holder = document.getElementById("history-fields");
    holder.textContent = "";
    history.slice(-AnswerCard.MAX_HISTORY).forEach(function (earlier) {
      holder.appendChild(AnswerCard.el("input", { type: "hidden", name: "h", value: earlier }));
    });
  }

  function showError(message) {
    var error = document.getElementById("q-error");
    var input = document.getElementById("q");
    error.textContent = message;
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  var retired = 0;
  var busy = false;

  function retire(card) {
    // The card that was newest becomes an ordinary turn, with an id no other card has.
    retired += 1;
    var newId = "earlier-" + retired;
    card.querySelectorAll("[id^='latest-']").forEach(function (node) {
      node.id = node.id.replace(/^latest/, newId);
    });
    card.querySelectorAll("[aria-labelledby^='latest-']").forEach(function (node) {
      node.setAttribute("aria-labelledby", node.getAttribute("aria-labelledby").replace(/^latest/, newId));
    });
    card.setAttribute("aria-labelledby", newId + "-q");
    card.id = newId;
  }

  function placeReply(reply, question, earlier) {
    var thread = document.getElementById("thread");
    var slot = document.getElementById("urgent-slot");
    var old = document.getElementById("latest");
    document.querySelectorAll(".embed-followups").forEach(function (part) { part.remove(); });
    if (old) {
      retire(old);
      if (slot.contains(old)) {
        thread.insertBefore(AnswerCard.el("li", { class: "turn" }, [old]), thread.firstChild);
      }
    }
    var history = earlier.concat([question]).slice(-AnswerCard.MAX_HISTORY);
    var card = AnswerCard.buildCard(reply, question, earlier, { id: "latest", level: 2 });
    if (reply.status === "urgent") {
      slot.appendChild(card);
    } else {
      var item = AnswerCard.el("li", { class: "turn" }, [card]);
      var followups = AnswerCard.followupSection(reply, history, {
        action: "/embed#latest", headingId: "next-title", level: 3, fallback: exampleQuestions(), embed: true,
      });
      if (followups) {
        item.appendChild(followups);
      }
      thread.insertBefore(item, thread.firstChild);
    }
    setHistory(history);
    var examples = document.getElementById("examples");
    if (examples) {
      examples.remove();
    }
    document.querySelector("label[for=q]").textContent = "Ask another question";
    card.querySelector(".card-question").focus();
  }

  var MESSAGES = {
    429: "Too many questions in a short time. Please wait a minute, then try again.",
    503: "The explainer is still starting up. Please try again in a moment.",
  };

  function setStatus(text, isBusy) {
    var status = document.getElementById("status");
    status.textContent = text;
    status.classList.toggle("is-busy", Boolean(isBusy));
  }

  function ask(question, form) {
    var text = question.replace(/\s+/g, " ").trim();
    if (!text) {
      showError("Please type a question.");
      return;
    }
    var earlier = currentHistory();
    busy = true;
    setStatus("Looking this up…", true);
    form.setAttribute("aria-busy", "true");
    fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: text, history: earlier }),
      credentials: "omit",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var message = (body.error && body.error.message) || MESSAGES[response.status] ||
            "Something went wrong. Please try again.";
          throw new Error(message);
        }
        return body;
      });
    }).then(function (reply) {
      showError("");
      document.getElementById("q").value = "";
      placeReply(reply, text, earlier);
      setStatus(reply.status === "urgent" ? "Important: please read the message now." : "Your answer is ready.", false);
    }).catch(function (error) {
      setStatus("", false);
      showError(error instanceof TypeError
        ? "Could not reach the explainer. Please check your connection and try again."
        : error.message);
    }).then(function () {
      busy = false;
      form.removeAttribute("aria-busy");
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-embed-ask") || !window.fetch || !AnswerCard) {
      return;
    }
    var submitter = event.submitter;
    var question = submitter && submitter.name === "q" ? submitter.value : document.getElementById("q").value;
    event.preventDefault();
    if (!busy) {
      ask(question, form);
    }
  }

  document.addEventListener("submit", onSubmit);
  if (window.fetch && window.AnswerCard) {
    AnswerCard.sendOnEnter(document.getElementById("q"));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchHeight);
  } else {
    watchHeight();
  }
})();
