/* The chat without page loads. The page works fully without this file: the forms post to
   /ask and the server renders the thread. With it, questions go to /api/ask as JSON and the
   answer card is added in place, focus moves to it and a live region says what happened.

   buildCard mirrors templates/_answer_card.html and markTerms mirrors
   ssexplain/glossary_terms.py (TermMarker.find): change them together. */
(function () {
  "use strict";

  var MAX_HISTORY = 10; // ssexplain/conversation.py MAX_HISTORY
  var CONTEXT_TURNS = 2; // ssexplain/conversation.py CONTEXT_TURNS
  var SHORT = 7; // ssexplain/conversation.py SHORT
  var POINTS_BACK = new RegExp(
    "^(and|but|so|also|what about|how about|then|or)\\b|" +
      "\\b(it|its|it's|that|this|those|these|they|them|their|he|him|his|she|her|there)\\b",
    "i"
  );

  var form = document.getElementById("ask-form");
  if (!form || !window.fetch) {
    return;
  }
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

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

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

  function findTerms(text, forms) {
    var marks = [];
    var marked = {};
    forms.forEach(function (entry) {
      if (marked[entry.term]) {
        return;
      }
      entry.pattern.lastIndex = 0;
      var match;
      while ((match = entry.pattern.exec(text)) !== null) {
        var start = match.index;
        var end = start + match[0].length;
        var overlaps = marks.some(function (m) {
          return start < m.end && m.start < end;
        });
        if (!overlaps) {
          marks.push({ start: start, end: end, entry: entry });
          marked[entry.term] = true;
          break;
        }
      }
    });
    return marks.sort(function (a, b) {
      return a.start - b.start;
    });
  }

  function termNode(shown, entry, glossaryPage) {
    return el("details", { class: "term" }, [
      el("summary", { class: "term-word" }, [shown]),
      el("span", { class: "term-def" }, [
        el("strong", {}, [entry.term + ":"]),
        " " + entry.definition + " ",
        el("a", { href: glossaryPage + "#" + entry.anchor }, ["More in the glossary"]),
      ]),
    ]);
  }

  function markTerms(text, data) {
    var box = el("div", { class: "answer" });
    if (!data) {
      box.textContent = text;
      return box;
    }
    var position = 0;
    findTerms(text, data.forms).forEach(function (mark) {
      box.appendChild(document.createTextNode(text.slice(position, mark.start)));
      box.appendChild(termNode(text.slice(mark.start, mark.end), mark.entry, data.glossaryUrl));
      position = mark.end;
    });
    box.appendChild(document.createTextNode(text.slice(position)));
    return box;
  }

  // ---------------------------------------------------------------- the card

  function leansOnHistory(question) {
    return POINTS_BACK.test(question) || question.split(/\s+/).filter(Boolean).length <= SHORT;
  }

  function permalink(question, earlier) {
    var params = new URLSearchParams();
    params.append("q", question);
    if (earlier.length && leansOnHistory(question)) {
      earlier.slice(-CONTEXT_TURNS).forEach(function (h) {
        params.append("h", h);
      });
    }
    return form.getAttribute("action").split("?")[0].split("#")[0] + "?" + params.toString();
  }

  function citationItem(c) {
    return el("li", {}, [
      el("figure", { class: "quote" }, [
        el("blockquote", {}, [el("p", {}, ["\u201c" + c.quote + "\u201d"])]),
        el("figcaption", {}, [
          "From ",
          el("a", { href: sourcesUrl + "#" + c.source.id }, [el("cite", {}, [c.source.title])]),
          ", section \u201c" + c.section + "\u201d",
        ]),
      ]),
    ]);
  }

  function followupSection(reply, id, level, thread) {
    var offers = reply.followups && reply.followups.length ? reply.followups : [];
    if (!offers.length && reply.status !== "urgent") {
      offers = fallback;
    }
    if (!offers.length) {
      return null;
    }
    var fields = thread.map(function (h) {
      return el("input", { type: "hidden", name: "h", value: h });
    });
    var chips = offers.map(function (q) {
      return el("li", {}, [el("button", { class: "chip", type: "submit", name: "q", value: q }, [q])]);
    });
    var title = reply.status === "answered" ? "You could also ask" : "Questions this explainer can answer";
    var followForm = el("form", { class: "followup-form", method: "post", action: form.getAttribute("action") },
      fields.concat([el("ul", { class: "chips" }, chips)]));
    return el("section", { class: "card-followups", "aria-labelledby": id + "-next" }, [
      el("h" + (level + 1), { id: id + "-next" }, [title]),
      followForm,
    ]);
  }

  function buildCard(reply, question, earlier, terms) {
    cardCount += 1;
    var id = "js-turn-" + cardCount;
    var level = 3;
    var status = reply.status;
    var card = el("article", { class: "card card-" + status.replace("_", "-"), id: id, "aria-labelledby": id + "-q" });
    card.appendChild(
      el("h" + level, { class: "card-question", id: id + "-q", tabindex: "-1" }, [
        el("span", { class: "you-asked" }, ["You asked:"]),
        " " + question,
      ])
    );
    if (status === "urgent") {
      var message = reply.urgent ? reply.urgent.message : reply.answer;
      card.appendChild(
        el("div", { class: "urgent-box", role: "alert" }, [
          el("p", { class: "card-label" }, ["Get help now"]),
          el("p", { class: "urgent-message" }, [message]),
        ])
      );
    } else {
      if (status === "ask_doctor") {
        card.appendChild(el("p", { class: "card-label" }, ["A question for your own doctor"]));
      } else if (status === "no_answer") {
        card.appendChild(el("p", { class: "card-label" }, ["Not in our sources"]));
      }
      card.appendChild(markTerms(reply.answer, terms));
    }
    if (reply.citations && reply.citations.length) {
      card.appendChild(
        el("section", { class: "card-sources", "aria-labelledby": id + "-src" }, [
          el("h" + (level + 1), { id: id + "-src" }, ["Where this comes from"]),
          el("ol", { class: "quotes" }, reply.citations.map(citationItem)),
        ])
      );
    }
    var followups = followupSection(reply, id, level, earlier.concat([question]).slice(-MAX_HISTORY));
    if (followups) {
      card.appendChild(followups);
    }
    card.appendChild(el("p", { class: "card-disclaimer" }, [reply.disclaimer]));
    card.appendChild(
      el("p", { class: "card-link" }, [
        el("a", { href: permalink(question, earlier) }, [
          "Link to this answer",
          el("span", { class: "visually-hidden" }, [": " + question]),
        ]),
      ])
    );
    return card;
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
