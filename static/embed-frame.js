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
 *    the reply is added as a card built with the same markup as templates/_answer_card.html.
 *    Text from the reply is only ever set with textContent, never parsed as HTML.
 *
 * No cookies and no storage: the conversation lives in the page's hidden fields.
 */
(function () {
  "use strict";

  var MESSAGE_TYPE = "ssexplain:height";
  var MAX_HISTORY = 10; // ssexplain/conversation.py MAX_HISTORY
  var CONTEXT_TURNS = 2; // ssexplain/conversation.py CONTEXT_TURNS
  var SHORT = 7; // ssexplain/conversation.py SHORT
  var POINTS_BACK = new RegExp(
    "^(and|but|so|also|what about|how about|then|or)\\b|" +
      "\\b(it|its|it's|that|this|those|these|they|them|their|he|him|his|she|her|there)\\b",
    "i"
  );

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

  // ------------------------------------------------------------ building a card

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

  function leansOnHistory(question) {
    return POINTS_BACK.test(question) || question.split(/\s+/).filter(Boolean).length <= SHORT;
  }

  function permalink(question, earlier) {
    // The chat page's link for this answer (pages.permalink): the question, and the
    // earlier questions only when it leans on them.
    var params = new URLSearchParams();
    params.set("q", question);
    if (earlier.length && leansOnHistory(question)) {
      earlier.slice(-CONTEXT_TURNS).forEach(function (h) {
        params.append("h", h);
      });
    }
    return "/ask?" + params.toString();
  }

  function sourcesPart(reply, id) {
    var list = el("ol", { class: "quotes" });
    reply.citations.forEach(function (c) {
      var link = el("a", { href: "/sources#" + c.source.id }, [el("cite", {}, [c.source.title])]);
      var caption = el("figcaption", {}, ["From ", link, ", section “" + c.section + "”"]);
      var quote = el("blockquote", {}, [el("p", {}, ["“" + c.quote + "”"])]);
      list.appendChild(el("li", {}, [el("figure", { class: "quote" }, [quote, caption])]));
    });
    return el("section", { class: "card-sources", "aria-labelledby": id + "-src" }, [
      el("h3", { id: id + "-src" }, ["Where this comes from"]),
      list,
    ]);
  }

  function buildCard(reply, question, earlier) {
    var id = "latest";
    var status = reply.status;
    var card = el("article", { class: "card card-" + status.replace("_", "-"), id: id, "aria-labelledby": id + "-q" });
    card.appendChild(el("h2", { class: "card-question", id: id + "-q", tabindex: "-1" }, [
      el("span", { class: "you-asked" }, ["You asked:"]), " " + question,
    ]));
    if (status === "urgent") {
      card.appendChild(el("div", { class: "urgent-box", role: "alert" }, [
        el("p", { class: "card-label" }, ["Get help now"]),
        el("p", { class: "urgent-message" }, [reply.urgent ? reply.urgent.message : reply.answer]),
      ]));
    } else {
      if (status === "ask_doctor") {
        card.appendChild(el("p", { class: "card-label" }, ["A question for your own doctor"]));
      } else if (status === "no_answer") {
        card.appendChild(el("p", { class: "card-label" }, ["Not in our sources"]));
      }
      card.appendChild(el("div", { class: "answer" }, [reply.answer]));
    }
    if (reply.citations && reply.citations.length) {
      card.appendChild(sourcesPart(reply, id));
    }
    card.appendChild(el("p", { class: "card-disclaimer" }, [reply.disclaimer]));
    card.appendChild(el("p", { class: "card-link" }, [
      el("a", { href: permalink(question, earlier) }, ["Link to this answer", el("span", { class: "visually-hidden" }, [": " + question])]),
    ]));
    return card;
  }

  function examples() {
    try {
      return JSON.parse(document.getElementById("ask-form").getAttribute("data-examples") || "[]");
    } catch (error) {
      return [];
    }
  }

  function buildFollowups(reply, history) {
    // As the server does: the reply's own follow-ups, else the examples (never for urgent).
    var offers = reply.followups && reply.followups.length ? reply.followups : reply.status === "urgent" ? [] : examples();
    if (!offers.length) {
      return null;
    }
    var form = el("form", { class: "followup-form", method: "get", action: "/embed#latest", target: "_self", "data-embed-ask": "" });
    history.forEach(function (earlier) {
      form.appendChild(el("input", { type: "hidden", name: "h", value: earlier }));
    });
    var chips = el("ul", { class: "chips" });
    offers.forEach(function (q) {
      chips.appendChild(el("li", {}, [el("button", { class: "chip", type: "submit", name: "q", value: q }, [q])]));
    });
    form.appendChild(chips);
    var title = reply.status === "answered" ? "You could also ask" : "Questions this explainer can answer";
    return el("section", { class: "card-followups embed-followups", "aria-labelledby": "next-title" }, [
      el("h3", { id: "next-title" }, [title]),
      form,
    ]);
  }

  // ------------------------------------------------------------ asking

  function currentHistory() {
    var fields = document.querySelectorAll("#history-fields input[name=h]");
    return Array.prototype.map.call(fields, function (field) { return field.value; });
  }

  function setHistory(history) {
    var holder = document.getElementById("history-fields");
    holder.textContent = "";
    history.slice(-MAX_HISTORY).forEach(function (earlier) {
      holder.appendChild(el("input", { type: "hidden", name: "h", value: earlier }));
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
        thread.insertBefore(el("li", { class: "turn" }, [old]), thread.firstChild);
      }
    }
    var history = earlier.concat([question]).slice(-MAX_HISTORY);
    var card = buildCard(reply, question, earlier);
    var followups = buildFollowups(reply, history);
    if (reply.status === "urgent") {
      slot.appendChild(card);
    } else {
      var item = el("li", { class: "turn" }, [card]);
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
    if (!form.hasAttribute || !form.hasAttribute("data-embed-ask") || !window.fetch) {
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchHeight);
  } else {
    watchHeight();
  }
})();
