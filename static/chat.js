/* The chat without page loads. The page works fully without this file: the forms post to
   /ask and the server renders the thread. With it, questions go to /api/ask as JSON and the
   answer card (built by answer-card.js, loaded first) is added in place, focus moves to it
   and a live region says what happened. */
(function () {
  "use strict";

  var form = document.getElementById("ask-form");
  if (!form || !window.fetch || !window.AnswerCard) {
    return;
  }
  var el = AnswerCard.el;
  var MAX_HISTORY = AnswerCard.MAX_HISTORY;
  var input = document.getElementById("q");
  var errorBox = document.getElementById("q-error");
  var statusBox = document.getElementById("status");
  var thread = document.getElementById("thread");
  var threadSection = document.getElementById("thread-section");
  var urgentSlot = document.getElementById("urgent-slot");
  var examples = document.getElementById("examples");
  var historyFields = form.querySelector(".history-fields");
  var apiUrl = form.getAttribute("data-api") || "/api/ask";
  var glossaryUrl = form.getAttribute("data-glossary") || "/glossary.json";
  var sourcesUrl = form.getAttribute("data-sources") || "/sources";
  var fallback = JSON.parse(form.getAttribute("data-examples") || "[]");

  var history = Array.prototype.map.call(historyFields.querySelectorAll("input[name=h]"), function (el) {
    return el.value;
  });
  var busy = false;
  var glossary = null;
  var cardCount = document.querySelectorAll(".card").length;

  // ---------------------------------------------------------------- glossary terms

  function loadGlossary() {
    if (!glossary) {
      glossary = fetch(glossaryUrl, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) {
            return null;
          }
          data.forms.forEach(function (entry) {
            var escaped = entry.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            entry.pattern = new RegExp("(?<![\\w-])" + escaped + "(?![\\w-])", entry.caseSensitive ? "g" : "gi");
          });
          return data;
        })
        .catch(function () {
          return null;
        });
    }
    return glossary;
  }

  // ---------------------------------------------------------------- the card

  function buildCard(reply, question, earlier, terms) {
    cardCount += 1;
    var action = form.getAttribute("action");
    return AnswerCard.buildCard(reply, question, earlier, {
      id: "js-turn-" + cardCount,
      level: 3,
      terms: terms,
      sourcesUrl: sourcesUrl,
      followups: { action: action, fallback: fallback },
    });
  }

  // ---------------------------------------------------------------- the thread

  function setHistory(list) {
    history = list.slice(-MAX_HISTORY);
    historyFields.textContent = "";
    history.forEach(function (h) {
      historyFields.appendChild(el("input", { type: "hidden", name: "h", value: h }));
    });
  }

  function moveUrgentIntoThread() {
    var earlierUrgent = urgentSlot.querySelector(".card");
    if (earlierUrgent) {
      thread.insertBefore(el("li", { class: "turn" }, [earlierUrgent]), thread.firstChild);
    }
  }

  function show(card, reply) {
    moveUrgentIntoThread();
    if (reply.status === "urgent") {
      urgentSlot.appendChild(card);
    } else {
      thread.insertBefore(el("li", { class: "turn" }, [card]), thread.firstChild);
    }
    threadSection.hidden = false;
    if (examples) {
      examples.hidden = true;
    }
    card.querySelector(".card-question").focus();
  }

  function setStatus(text, isBusy) {
    statusBox.textContent = text;
    statusBox.classList.toggle("is-busy", Boolean(isBusy));
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    input.setAttribute("aria-invalid", "true");
    setStatus("", false);
    input.focus();
  }

  function clearError() {
    errorBox.textContent = "";
    errorBox.hidden = true;
    input.removeAttribute("aria-invalid");
  }

  function errorMessage(response, body) {
    if (body && body.error && body.error.message) {
      return body.error.message;
    }
    if (response.status === 429) {
      return "You have asked a lot of questions in a short time. Please wait a minute and try again.";
    }
    return "Sorry, something went wrong. Please try again.";
  }

  function ask(question, fromBox) {
    var text = question.replace(/\s+/g, " ").trim();
    if (!text) {
      showError("Please type a question.");
      return;
    }
    if (busy) {
      return;
    }
    busy = true;
    clearError();
    form.setAttribute("aria-busy", "true");
    setStatus("Looking this up\u2026", true);
    var earlier = history.slice();
    var request = fetch(apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ question: text, history: earlier }),
    });
    Promise.all([request, loadGlossary()])
      .then(function (results) {
        var response = results[0];
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            if (!response.ok || !body || !body.status) {
              if (!fromBox) {
                input.value = text;
              }
              showError(errorMessage(response, body));
              return;
            }
            var card = buildCard(body, text, earlier, results[1]);
            setHistory(earlier.concat([text]));
            if (fromBox) {
              input.value = "";
            }
            show(card, body);
            var done = body.status === "urgent" ? "Important: please read the message now." : "Your answer is ready.";
            setStatus(done, false);
          });
      })
      .catch(function () {
        showError("Could not reach the explainer. Please check your connection and try again.");
      })
      .then(function () {
        busy = false;
        form.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ask(input.value, true);
  });
  AnswerCard.sendOnEnter(input);

  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("followup-form")) {
      return;
    }
    var button = event.submitter;
    if (!button || button.name !== "q") {
      return;
    }
    event.preventDefault();
    ask(button.value, false);
  });
})();
