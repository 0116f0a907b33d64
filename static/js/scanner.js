// The door scanner: camera (BarcodeDetector, else our own copy of jsQR), or a typed /
// keyboard-scanner code; online answers from the API, offline decisions from cached
// keys and lists, and a queue that syncs when the network returns.
import { decideOffline, importPublicKey } from "./badge-token.js";

const root = document.getElementById("scanner");
const form = document.getElementById("scan-form");
const codeInput = document.getElementById("code");
const checkpointSelect = document.getElementById("checkpoint");
const overlay = document.getElementById("scan-overlay");
const syncStatus = document.getElementById("sync-status");
const conflictBox = document.getElementById("sync-conflicts");
const conflictList = document.getElementById("sync-conflict-list");
const cfg = root.dataset;
const store = `scanner:${cfg.eventSlug}:`;
const REQUEST_TIMEOUT_MS = 4000;
const CAMERA_REPEAT_MS = 2500;

const letInButton = document.getElementById("overlay-let-in");

// The messages in the page's language (templates/badges/scan.html); English if absent.
const MSG = (() => {
  try {
    return JSON.parse(document.getElementById("scanner-messages")?.dataset.messages || "{}");
  } catch {
    return {};
  }
})();

// A message by name, its %(name)s placeholders filled; ``english`` when the page gave none.
function say(name, english, values = {}) {
  const text = MSG[name] || english;
  return text.replace(/%\((\w+)\)s/g, (all, key) => (key in values ? String(values[key]) : all));
}
// A typed badge number ("57QEG2PI"), as the server reads it (conference/badges/numbers.py).
const TYPED_NUMBER = /^(badge)?[a-z2-701]{8}$/i;

const state = {
  data: null, keys: {}, lastCode: "", lastSeenAt: 0, syncing: false, camera: null, lastItem: null,
};

// Staff read times in the event's timezone, on a 24-hour clock (never the device's zone).
const clock = new Intl.DateTimeFormat("en-GB", {
  timeZone: cfg.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

function eventTime(iso) {
  return clock.format(new Date(iso));
}

function load(name, fallback) {
  try {
    return JSON.parse(localStorage.getItem(store + name)) ?? fallback;
  } catch {
    return fallback;
  }
}

function save(name, value) {
  try {
    localStorage.setItem(store + name, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the scanner still works online.
  }
}

function newScanId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
}

function localDay() {
  // The event's local day, as the server's once-a-day entrance rule counts it.
  return new Intl.DateTimeFormat("en-CA", { timeZone: cfg.timezone }).format(new Date());
}

async function fetchJson(url, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await fetch(url, { credentials: "same-origin", signal: controller.signal, ...options });
  } finally {
    clearTimeout(timer);
  }
}

async function refreshOfflineData() {
  try {
    const urls = [cfg.keysUrl, cfg.revocationsUrl, cfg.attendeesUrl, cfg.checkpointsUrl];
    const responses = await Promise.all(urls.map((url) => fetchJson(url)));
    if (responses.some((r) => !r.ok)) throw new Error("refused");
    const [keys, revocations, attendees, checkpoints] = await Promise.all(
      responses.map((r) => r.json()),
    );
    state.data = {
      keys: keys.keys,
      revocations: revocations.badges,
      attendees: attendees.attendees,
      checkpoints: checkpoints.checkpoints,
      loadedAt: new Date().toISOString(),
    };
    save("data", state.data);
  } catch {
    state.data = state.data || load("data", null);
  }
  await importKeys();
  updateStatus();
}

async function importKeys() {
  state.keys = {};
  for (const key of state.data?.keys || []) {
    try {
      state.keys[key.key_id] = { cryptoKey: await importPublicKey(key.public_key), status: key.status };
    } catch {
      // A browser without Ed25519 in WebCrypto cannot verify offline; online still works.
    }
  }
}

function offlineContext() {
  const data = state.data || { revocations: [], attendees: [], checkpoints: [] };
  const checkpoint = data.checkpoints.find((c) => c.key === checkpointSelect.value) || {
    key: checkpointSelect.value,
  };
  return {
    eventId: Number(cfg.eventId),
    keys: state.keys,
    revocations: Object.fromEntries(data.revocations.map((r) => [r.badge, r])),
    attendees: Object.fromEntries(data.attendees.filter((a) => a.badge).map((a) => [a.badge, a])),
    checkpoint,
    day: checkpoint.key === "entrance" ? localDay() : "",
    seen: new Set(load("seen", [])),
    admitsReentry: checkpoint.admits_reentry ?? cfg.admitsReentry === "true",
  };
}

function updateStatus() {
  const queued = load("queue", []).length;
  const online = navigator.onLine
    ? say("online", "Online")
    : say("offline", "Offline: scans are checked on this device");
  const loaded = state.data
    ? say("listsFrom", "lists from %(time)s", { time: eventTime(state.data.loadedAt) })
    : say("noLists", "no lists cached");
  const waiting = say("waiting", "%(count)s scan(s) waiting to be sent", { count: queued });
  syncStatus.textContent = `${online} · ${waiting} · ${loaded}`;
}

function setText(id, text) {
  document.getElementById(id).textContent = text || "";
}

const VERDICTS = {
  accepted: "ACCEPTED", refused: "REFUSED", already_in: "ALREADY IN", ...(MSG.verdicts || {}),
};

function show(answer) {
  const kind = VERDICTS[answer.result] ? answer.result : "refused";
  const accepted = kind === "accepted";
  for (const name of Object.keys(VERDICTS)) {
    overlay.classList.toggle(`scan-overlay-${name}`, name === kind);
  }
  // The verdict in big letters; what qualifies it in smaller ones, so it fits a phone.
  let note = "";
  if (answer.offline) note += ` ${say("offlineCheck", "(offline check)")}`;
  if (answer.repeat) note += ` ${say("sameScan", "(same scan again)")}`;
  const verdictLine = document.getElementById("overlay-verdict");
  verdictLine.textContent = VERDICTS[kind];
  if (note) {
    const small = document.createElement("span");
    small.className = "verdict-note";
    small.textContent = note;
    verdictLine.append(small);
  }
  setText("overlay-message", answer.message);
  const person = answer.attendee;
  setText("overlay-name", person ? person.name : "");
  setText(
    "overlay-details",
    person
      ? [person.organisation, person.country, `${person.category_label} (${person.category_verified ? say("verified", "verified") : say("notVerified", "not verified")})`]
          .filter(Boolean)
          .join(" · ")
      : "",
  );
  setText(
    "overlay-identity",
    answer.check_identity
      ? say("checkIdentity", "No QR code was scanned: compare the name with an ID document.")
      : "",
  );
  const previous = answer.previous_check_in;
  setText(
    "overlay-previous",
    previous
      ? say("previous", "Previous check-in: %(time)s, %(checkpoint)s, by %(by)s", {
          time: previous.local_time, checkpoint: previous.checkpoint_label, by: previous.by,
        })
      : "",
  );
  const canLetIn = Boolean(answer.can_let_in_again && state.lastItem);
  letInButton.hidden = !canLetIn;
  setText(
    "overlay-hint",
    canLetIn
      ? say("hintLetIn", "Or tap elsewhere or press Escape for the next person.")
      : say("hint", "Tap or press a key for the next person."),
  );
  // The door's TLP marking and Chatham House Rule (only when the scanner may see the session).
  const marking = answer.checkpoint_marking || [];
  if (document.getElementById("overlay-marking")) {
    setText(
      "overlay-marking",
      marking.length ? say("marking", "This session: %(marking)s", { marking: marking.join(" · ") }) : "",
    );
  }
  overlay.hidden = false;
  clearTimeout(state.hideTimer);
  // Amber waits for the staff's decision; green and red clear by themselves.
  if (!canLetIn) state.hideTimer = setTimeout(hide, accepted ? 2500 : 5000);
}

function hide() {
  overlay.hidden = true;
  codeInput.focus();
}

function queueScan(item) {
  const queue = load("queue", []);
  queue.push(item);
  save("queue", queue);
}

async function handleCode(code, fromCamera = false, letInAgain = false) {
  code = code.trim();
  if (!code) return;
  const now = Date.now();
  if (fromCamera) {
    // A badge held in front of the camera is read many times a second: it counts once, until
    // it has been out of view for CAMERA_REPEAT_MS (or another badge was read).
    const stillInView = code === state.lastCode && now - state.lastSeenAt < CAMERA_REPEAT_MS;
    state.lastCode = code;
    state.lastSeenAt = now;
    if (stillInView) return;
  } else {
    state.lastCode = "";
  }
  // scanned_at is the device's clock, kept as information: online, the server's time decides.
  const item = {
    code,
    checkpoint: checkpointSelect.value,
    client_scan_id: newScanId(),
    scanned_at: new Date().toISOString(),
  };
  if (letInAgain) item.let_in_again = true;
  state.lastItem = { code, checkpoint: item.checkpoint };
  try {
    const response = await fetchJson(cfg.checkinsUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify(item),
    });
    const body = await response.json();
    if (response.ok) {
      if (body.result === "accepted" && body.badge) {
        const day = item.checkpoint === "entrance" ? localDay() : "";
        save("seen", [...load("seen", []), `${body.badge}|${item.checkpoint}|${day}`]);
      }
      return show(body);
    }
    if (response.status >= 500) throw new Error("server");
    return show({ result: "refused", reason: "error", message: body.error?.message || say("serverRefused", "The server refused the request.") });
  } catch {
    if (TYPED_NUMBER.test(code.replace(/[\s\-_.]/g, ""))) {
      // The number is looked up (and rate-limited) by the server only: nothing is queued.
      return show({
        result: "refused",
        reason: "offline_number",
        offline: true,
        message: say(
          "offlineNumber",
          "Typed badge numbers need the connection: scan the QR code or search by name.",
        ),
      });
    }
    const context = offlineContext();
    context.messages = MSG.reasons;
    context.letInAgain = letInAgain;
    const decision = await decideOffline(code, context);
    if (decision.seenKey) save("seen", [...context.seen, decision.seenKey]);
    queueScan({ ...item, local_result: decision.result, name: decision.attendee?.name || "" });
    updateStatus();
    show(decision);
  }
}

async function sync() {
  const queue = load("queue", []);
  if (state.syncing || !queue.length || !navigator.onLine) return updateStatus();
  state.syncing = true;
  try {
    const batch = queue.slice(0, 100);
    const response = await fetchJson(cfg.batchUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf },
      body: JSON.stringify({ scans: batch.map(({ local_result, name, ...scan }) => scan) }),
    });
    if (!response.ok) return;
    const { results } = await response.json();
    results.forEach((result, index) => reportConflict(batch[index], result));
    save("queue", load("queue", []).filter((q) => !batch.some((b) => b.client_scan_id === q.client_scan_id)));
  } catch {
    // Still offline; try again later.
  } finally {
    state.syncing = false;
    updateStatus();
  }
}

function reportConflict(sent, result) {
  const serverResult = result.result || "error";
  if (serverResult === sent.local_result) return;
  const item = document.createElement("li");
  const who = result.attendee?.name || sent.name || say("unknownBadge", "Unknown badge");
  const why = result.message || result.error?.message || "";
  const words = MSG.results || {};
  item.textContent = say("conflict", "%(who)s: %(local)s offline at %(time)s, %(server)s by the server. %(why)s", {
    who,
    local: words[sent.local_result] || sent.local_result,
    time: eventTime(sent.scanned_at),
    server: words[serverResult] || serverResult,
    why,
  });
  conflictList.prepend(item);
  conflictBox.hidden = false;
}

async function loadDecoder() {
  if ("BarcodeDetector" in window) {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (formats.includes("qr_code")) {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async (video) => (await detector.detect(video))[0]?.rawValue;
    }
  }
  if (!window.jsQR) {
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = cfg.decoder;
      script.onload = resolve;
      script.onerror = () => reject(new Error("no decoder"));
      document.head.append(script);
    });
  }
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    if (!canvas.width) return undefined;
    context.drawImage(video, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data;
  };
}

async function toggleCamera() {
  const button = document.getElementById("camera-toggle");
  const video = document.getElementById("camera-video");
  const status = document.getElementById("camera-status");
  if (state.camera) {
    state.camera.getTracks().forEach((track) => track.stop());
    state.camera = null;
    video.hidden = true;
    button.textContent = say("startCamera", "Start the camera");
    status.textContent = say("cameraStopped", "Camera stopped.");
    return;
  }
  try {
    const decode = await loadDecoder();
    state.camera = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = state.camera;
    video.hidden = false;
    await video.play();
    button.textContent = say("stopCamera", "Stop the camera");
    status.textContent = say("pointCamera", "Point the camera at a badge's QR code.");
    const loop = async () => {
      if (!state.camera) return;
      try {
        const text = await decode(video);
        if (text) await handleCode(text, true);
      } catch {
        // A frame that cannot be read: try the next one.
      }
      setTimeout(loop, 120);
    };
    loop();
  } catch (error) {
    status.textContent = say(
      "cameraError",
      "The camera cannot be used (%(error)s). Type the code or use a scanner.",
      { error: error.message },
    );
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = codeInput.value;
  codeInput.value = "";
  handleCode(code);
  codeInput.focus();
});
checkpointSelect.addEventListener("change", () => {
  document.getElementById("search-checkpoint").value = checkpointSelect.value;
  save("checkpoint", checkpointSelect.value);
});
overlay.addEventListener("click", hide);
letInButton.addEventListener("click", (event) => {
  event.stopPropagation();
  const last = state.lastItem;
  overlay.hidden = true;
  if (last) {
    checkpointSelect.value = last.checkpoint;
    handleCode(last.code, false, true);
  }
});
document.addEventListener("keydown", (event) => {
  if (overlay.hidden) return;
  // The focus stays in the code field, so that the next badge read is typed there; Tab
  // reaches "Let in again", and Enter or Space there presses it. Any other key dismisses.
  if (!letInButton.hidden && event.key === "Tab") {
    event.preventDefault();
    letInButton.focus();
    return;
  }
  if (event.target === letInButton && ["Enter", " "].includes(event.key)) return;
  overlay.hidden = true;
  codeInput.focus();
});
window.addEventListener("online", sync);
window.addEventListener("offline", updateStatus);

const savedCheckpoint = load("checkpoint", null);
if (savedCheckpoint && !new URLSearchParams(location.search).has("checkpoint")) {
  if ([...checkpointSelect.options].some((o) => o.value === savedCheckpoint)) {
    checkpointSelect.value = savedCheckpoint;
    document.getElementById("search-checkpoint").value = savedCheckpoint;
  }
}
document.getElementById("camera").hidden = !navigator.mediaDevices?.getUserMedia;
document.getElementById("camera-toggle").addEventListener("click", toggleCamera);
document.getElementById("sync").hidden = false;
codeInput.focus();
refreshOfflineData().then(sync);
setInterval(sync, 15000);
setInterval(refreshOfflineData, 5 * 60 * 1000);
