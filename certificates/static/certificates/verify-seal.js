// Checks the signed payload in the verify address's fragment (#AT1:…) in this browser, against
// the published keys embedded in the page, before asking the server for the status now.
// Format (certificates/seal.py): "AT1:" + base45(COSE_Sign1 over a CBOR map of claims), ES256.
// Without this script the page still shows the server's status: only the signature check is lost.
(function () {
    "use strict";

    var box = document.getElementById("seal-check");
    var keysElement = document.getElementById("attestation-keys");
    if (!box || !keysElement) {
        return;
    }
    var result = box.querySelector("[data-seal-result]");
    var facts = box.querySelector("[data-seal-facts]");
    var live = document.querySelector("[data-live-status]");
    var text = box.dataset;

    function say(element, message, state) {
        element.textContent = message;
        if (state) {
            element.setAttribute("data-state", state);
        }
    }

    // base45 (RFC 9285) ----------------------------------------------------------------------
    var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    function base45Decode(input) {
        var out = [];
        for (var i = 0; i < input.length; i += 3) {
            var chunk = input.substr(i, 3);
            var values = [];
            for (var j = 0; j < chunk.length; j++) {
                var v = B45.indexOf(chunk[j]);
                if (v < 0) {
                    throw new Error("base45");
                }
                values.push(v);
            }
            if (values.length === 3) {
                var n = values[0] + values[1] * 45 + values[2] * 2025;
                if (n > 0xffff) {
                    throw new Error("base45");
                }
                out.push(n >> 8, n & 0xff);
            } else if (values.length === 2) {
                var m = values[0] + values[1] * 45;
                if (m > 0xff) {
                    throw new Error("base45");
                }
                out.push(m);
            } else {
                throw new Error("base45");
            }
        }
        return new Uint8Array(out);
    }

    // A small CBOR reader (RFC 8949): what a COSE_Sign1 message and its claims use -----------
    function cborDecode(bytes) {
        var position = 0;

        function length(info) {
            if (info < 24) {
                return info;
            }
            var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
            if (!size || position + size > bytes.length) {
                throw new Error("cbor");
            }
            var value = 0;
            for (var i = 0; i < size; i++) {
                value = value * 256 + bytes[position++];
            }
            return value;
        }

        function take(count) {
            if (position + count > bytes.length) {
                throw new Error("cbor");
            }
            var slice = bytes.slice(position, position + count);
            position += count;
            return slice;
        }

        function item(depth) {
            if (depth > 16 || position >= bytes.length) {
                throw new Error("cbor");
            }
            var initial = bytes[position++];
            var major = initial >> 5;
            var info = initial & 31;
            var n, i, value;
            switch (major) {
                case 0:
                    return length(info);
                case 1:
                    return -1 - length(info);
                case 2:
                    return take(length(info));
                case 3:
                    return new TextDecoder("utf-8", { fatal: true }).decode(take(length(info)));
                case 4:
                    n = length(info);
                    value = [];
                    for (i = 0; i < n; i++) {
                        value.push(item(depth + 1));
                    }
                    return value;
                case 5:
                    n = length(info);
                    value = new Map();
                    for (i = 0; i < n; i++) {
                        var key = item(depth + 1);
                        value.set(key, item(depth + 1));
                    }
                    return value;
                case 6:
                    return { tag: length(info), value: item(depth + 1) };
                case 7:
                    if (info === 20) {
                        return false;
                    }
                    if (info === 21) {
                        return true;
                    }
                    if (info === 22) {
                        return null;
                    }
                    throw new Error("cbor");
                default:
                    throw new Error("cbor");
            }
        }

        var decoded = item(0);
        if (position !== bytes.length) {
            throw new Error("cbor");
        }
        return decoded;
    }

    function bstrHeader(size) {
        if (size < 24) {
            return [0x40 + size];
        }
        if (size < 256) {
            return [0x58, size];
        }
        return [0x59, size >> 8, size & 0xff];
    }

    // Sig_structure = ["Signature1", protected, h'', payload] (RFC 9052, section 4.4)
    function sigStructure(protectedBytes, payload) {
        var label = new TextEncoder().encode("Signature1");
        var parts = [[0x84, 0x60 + label.length], Array.from(label), bstrHeader(protectedBytes.length),
            Array.from(protectedBytes), [0x40], bstrHeader(payload.length), Array.from(payload)];
        return new Uint8Array([].concat.apply([], parts));
    }

    function base64url(bytes) {
        var binary = "";
        bytes.forEach(function (b) {
            binary += String.fromCharCode(b);
        });
        return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }

    function fragmentText() {
        var raw = window.location.hash.slice(1);
        try {
            raw = decodeURIComponent(raw);
        } catch (error) {
            return "";
        }
        return raw.indexOf("AT1:") === 0 ? raw : "";
    }

    function longDate(isoDate) {
        var parts = isoDate.split("-").map(Number);
        var date = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
        return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
            dateStyle: "long",
            timeZone: "UTC",
        }).format(date);
    }

    function showFacts(claims) {
        var values = {
            serial: claims.get("s"),
            holder: claims.get("n"),
            programme: claims.get("p"),
            valid_until: longDate(claims.get("u")),
            issued: longDate(new Date(claims.get("t") * 1000).toISOString().slice(0, 10)),
        };
        Object.keys(values).forEach(function (name) {
            var element = facts.querySelector("[data-claim=" + name + "]");
            if (element) {
                element.textContent = values[name];
            }
        });
        facts.hidden = false;
    }

    function verifySeal(sealText) {
        var keys = JSON.parse(keysElement.textContent).keys || [];
        var message = cborDecode(base45Decode(sealText.slice(4)));
        if (!message || message.tag !== 18 || !Array.isArray(message.value) || message.value.length !== 4) {
            throw new Error("cose");
        }
        var protectedBytes = message.value[0];
        var payload = message.value[2];
        var signature = message.value[3];
        var header = cborDecode(protectedBytes);
        var claims = cborDecode(payload);
        if (!(header instanceof Map) || header.get(1) !== -7 || !(header.get(4) instanceof Uint8Array)) {
            throw new Error("cose");
        }
        if (!(claims instanceof Map) || !["s", "n", "p", "u", "t"].every(function (k) { return claims.has(k); })) {
            throw new Error("cose");
        }
        var kid = base64url(header.get(4));
        var jwk = keys.filter(function (k) { return k.kid === kid; })[0];
        if (!jwk) {
            return Promise.resolve({ valid: false, reason: text.textUnknownKey, claims: claims });
        }
        return window.crypto.subtle
            .importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
                { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
            .then(function (key) {
                return window.crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature,
                    sigStructure(protectedBytes, payload));
            })
            .then(function (valid) {
                if (valid && jwk.signed_until && claims.get("t") * 1000 > Date.parse(jwk.signed_until)) {
                    // A retired key signs nothing issued after its retirement (a stolen old key).
                    return { valid: false, reason: text.textRetiredKey, claims: claims };
                }
                return { valid: valid, reason: valid ? "" : text.textForged, claims: claims, signer: jwk.signer };
            });
    }

    function askServer(claims) {
        if (!live) {
            return;
        }
        var label = live.querySelector("[data-live-label]");
        var reason = live.querySelector("[data-live-reason]");
        var checked = live.querySelector("[data-live-checked]");
        say(checked, text.textAsking);
        var url = box.dataset.statusUrl;
        if (claims) {
            url += "?serial=" + encodeURIComponent(claims.get("s"));
        }
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then(function (response) {
                if (!response.ok) {
                    throw new Error("status " + response.status);
                }
                return response.json();
            })
            .then(function (status) {
                say(label, status.label, status.status);
                label.className = "status-pill status-" + status.status;
                live.className = live.className.replace(/\bstatus-box-\S+/, "status-box-" + status.status);
                say(reason, status.reason);
                if (status.serial_matches === false) {
                    // A genuine payload of another attestation, grafted onto this address.
                    say(result, text.textInvalid + " " + text.textOtherAttestation, "invalid");
                    facts.hidden = true;
                }
                var until = live.querySelector("[data-live-valid-until]");
                if (until) {
                    say(until, status.valid_until_display || "–");
                }
                var may = live.querySelector("[data-live-may]");
                if (may) {
                    may.textContent = "";
                    var line = document.createElement(status.may_initiate ? "span" : "strong");
                    line.textContent = status.may_initiate ? text.textMay : text.textMayNot;
                    may.appendChild(line);
                }
                var time = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
                    timeStyle: "short",
                }).format(new Date(status.checked_at));
                say(checked, text.textCheckedOnline.replace("%(time)s", time), "online");
            })
            .catch(function () {
                say(checked, text.textOffline, "offline");
            });
    }

    function run() {
        var sealText = fragmentText();
        if (!sealText) {
            box.hidden = true;
            return;
        }
        box.hidden = false;
        facts.hidden = true;
        if (!window.crypto || !window.crypto.subtle || !window.TextDecoder) {
            say(result, text.textNoCrypto, "unknown");
            askServer();
            return;
        }
        say(result, text.textChecking, "checking");
        var checking;
        try {
            checking = verifySeal(sealText);
        } catch (error) {
            checking = Promise.resolve({ valid: false, reason: text.textDamaged });
        }
        checking
            .catch(function () {
                return { valid: false, reason: text.textDamaged };
            })
            .then(function (outcome) {
                if (outcome.valid && outcome.claims.get("n") !== box.dataset.holder) {
                    outcome = { valid: false, reason: text.textOtherAttestation, claims: outcome.claims };
                }
                var today = new Date();
                var todayIso = new Date(today.getTime() - today.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
                if (outcome.valid && outcome.claims.get("u") < todayIso) {
                    say(result, text.textExpired.replace("%(signer)s", outcome.signer)
                        .replace("%(date)s", longDate(outcome.claims.get("u"))), "invalid");
                    showFacts(outcome.claims);
                } else if (outcome.valid) {
                    say(result, text.textValid.replace("%(signer)s", outcome.signer), "valid");
                    showFacts(outcome.claims);
                } else {
                    say(result, text.textInvalid + " " + outcome.reason, "invalid");
                }
                askServer(outcome.valid ? outcome.claims : null); // only after the signature was checked
            });
    }

    window.addEventListener("hashchange", run);
    run();
})();
