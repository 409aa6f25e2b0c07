// Saves each changed question of an open quiz attempt on the server as the learner goes.
// The page works without this script: the form's "Save answers" button does the same.
(function () {
    "use strict";

    var form = document.querySelector("form.quiz-form[data-save-url]");
    if (!form || !window.fetch || !window.JSON) {
        return;
    }
    var status = document.getElementById("save-status");
    var counter = document.querySelector("[data-answered]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var pending = {}; // item id -> true, for questions changed since the last save
    var inFlight = false;
    var stopped = false;
    var retryTimer = null;
    var afterSave = null; // a submit held back until the save under way has answered

    function say(text) {
        if (status) {
            status.textContent = text;
        }
    }

    function sayWithLink(text, url) {
        if (!status) {
            return;
        }
        status.textContent = text + " ";
        var link = document.createElement("a");
        link.href = url;
        link.textContent = form.dataset.textResult;
        status.appendChild(link);
    }

    function fieldsets() {
        return form.querySelectorAll("fieldset[data-item]");
    }

    function chosen(fieldset) {
        var values = [];
        fieldset.querySelectorAll("input:checked").forEach(function (input) {
            values.push(input.value);
        });
        return values;
    }

    function updateCount() {
        if (!counter) {
            return;
        }
        var answered = 0;
        fieldsets().forEach(function (fieldset) {
            if (fieldset.querySelector("input:checked")) {
                answered += 1;
            }
        });
        counter.textContent = String(answered);
    }

    function retryLater() {
        if (retryTimer === null) {
            retryTimer = window.setTimeout(function () {
                retryTimer = null;
                flush();
            }, 5000);
        }
    }

    function settled() {
        inFlight = false;
        if (afterSave) {
            var submit = afterSave;
            afterSave = null;
            submit();
        }
    }

    function flush() {
        if (inFlight || stopped) {
            return;
        }
        var ids = Object.keys(pending);
        if (!ids.length) {
            return;
        }
        var answers = {};
        ids.forEach(function (id) {
            var fieldset = form.querySelector('fieldset[data-item="' + id + '"]');
            answers[id] = fieldset ? chosen(fieldset) : [];
        });
        pending = {};
        inFlight = true;
        say(form.dataset.textSaving);
        fetch(form.dataset.saveUrl, {
            method: "POST",
            credentials: "same-origin",
            redirect: "manual",
            headers: {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": csrf ? csrf.value : "",
            },
            body: JSON.stringify({answers: answers}),
        })
            .then(function (response) {
                var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
                if (!json) {
                    return {status: response.status, data: null};
                }
                return response.json().then(function (data) {
                    return {status: response.status, data: data};
                });
            })
            .then(function (result) {
                settled();
                if (result.status === 200 && result.data) {
                    if (!Object.keys(pending).length) {
                        say(form.dataset.textSaved);
                    }
                    flush();
                } else if (result.status === 409 && result.data) {
                    stopped = true;
                    sayWithLink(result.data.error, result.data.result_url);
                } else if (result.data && result.data.error) {
                    // Expired (410), refused (403) or answers the server would not take (400).
                    stopped = result.status === 410 || result.status === 403;
                    say(result.data.error);
                } else {
                    // Signed out, or something answered that is not this app: keep the answers here.
                    say(form.dataset.textFailed);
                }
            })
            .catch(function () {
                // No connection: ask again for what was not saved, unless it changed meanwhile.
                settled();
                ids.forEach(function (id) {
                    pending[id] = true;
                });
                say(form.dataset.textOffline);
                retryLater();
            });
    }

    form.addEventListener("change", function (event) {
        var fieldset = event.target.closest("fieldset[data-item]");
        if (!fieldset) {
            return;
        }
        pending[fieldset.dataset.item] = true;
        updateCount();
        flush();
    });
    form.addEventListener("submit", function (event) {
        // The form carries every answer; no more saves. One still under way finishes first,
        // so the two never race (the submit would win, and the save be refused as stale).
        stopped = true;
        if (inFlight && form.requestSubmit && event.submitter) {
            event.preventDefault();
            var submitter = event.submitter;
            afterSave = function () {
                form.requestSubmit(submitter);
            };
        }
    });
    window.addEventListener("online", flush);
})();
