// The "Ghi âm bản tin" page: record from the microphone with MediaRecorder, play it back with
// its length, put the recording into the form's file box, and send the form with a progress
// bar (XMLHttpRequest's upload events); a refusal is shown beside the form, which keeps
// everything, the file too. Without JavaScript the form is sent as usual and the server shows
// the page again, filled in. Loaded as a file: the pages allow no inline script.
"use strict";

// 65.4 → "1 phút 05 giây", as the server writes a length.
function durationVi(seconds) {
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (!minutes) return `${rest} giây`;
  return `${minutes} phút` + (rest ? ` ${String(rest).padStart(2, "0")} giây` : "");
}

// Megabytes with a decimal comma: 4500000 → "4,5".
const megabytes = (bytes) => (bytes / 1e6).toFixed(1).replace(".", ",");

// Play `source` (a Blob or File) in `player` and write its length into `out`. A browser's own
// recording (WebM from MediaRecorder) carries no length, so the player would show 0:00: seeking
// far past the end makes the browser read the file through and learn it, then back to 0.
function showLength(player, out, source) {
  out.hidden = true;
  player.src = URL.createObjectURL(source);
  player.hidden = false;
  const known = () => Number.isFinite(player.duration) && player.duration > 0;
  const done = () => {
    if (!known()) return;
    player.removeEventListener("durationchange", done);
    if (player.currentTime > 0) player.currentTime = 0;
    out.textContent = `Thời lượng ${durationVi(player.duration)}.`;
    out.hidden = false;
  };
  player.addEventListener("durationchange", done);
  player.addEventListener(
    "loadedmetadata",
    () => (known() ? done() : (player.currentTime = 1e7)),
    { once: true },
  );
}

function setUpRecorder(player, out, input) {
  const start = document.getElementById("record-start");
  const stop = document.getElementById("record-stop");
  const status = document.getElementById("record-status");
  if (!start || !stop || !status) return;
  // A file chosen by hand is played back too, with its length.
  input.addEventListener("change", () => {
    if (input.files.length) showLength(player, out, input.files[0]);
  });
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    start.disabled = true;
    status.textContent =
      "Trình duyệt này không cho ghi âm ở đây (cần mở trang qua HTTPS, hoặc trên chính máy chủ). " +
      "Hãy chọn tệp âm thanh đã ghi sẵn.";
    return;
  }
  let recorder = null;
  let started = 0;
  let ticking = null;
  const extension = (type) =>
    type.includes("ogg") ? "ogg" : type.includes("mp4") || type.includes("aac") ? "m4a" : "webm";

  start.addEventListener("click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      status.textContent = "Không mở được micrô (" + error.name + "). Hãy cho phép trình duyệt dùng micrô rồi thử lại.";
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size) chunks.push(event.data);
    });
    recorder.addEventListener("stop", () => {
      clearInterval(ticking);
      stream.getTracks().forEach((track) => track.stop());
      const type = recorder.mimeType || "audio/webm";
      const blob = new Blob(chunks, { type });
      const file = new File([blob], "ghi-am." + extension(type), { type });
      const files = new DataTransfer();
      files.items.add(file);
      input.files = files.files;
      showLength(player, out, blob);
      const seconds = Math.round((Date.now() - started) / 1000);
      status.textContent = `Đã ghi xong (${seconds} giây). Hãy nghe lại; nếu được, bấm “Lưu bản ghi âm”, nếu chưa được, ghi lại.`;
      start.disabled = false;
      stop.disabled = true;
      start.textContent = "Ghi lại từ đầu";
    });
    recorder.start(1000);
    started = Date.now();
    start.disabled = true;
    stop.disabled = false;
    status.textContent = "Đang ghi âm… bấm “Dừng” khi đọc xong.";
    ticking = setInterval(() => {
      status.textContent = `Đang ghi âm… ${Math.round((Date.now() - started) / 1000)} giây. Bấm “Dừng” khi đọc xong.`;
    }, 1000);
  });

  stop.addEventListener("click", () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
}

// Send the form with XMLHttpRequest, whose upload events say how much has gone: a large file
// on a slow line takes minutes, and a page that only spins looks broken.
function setUpUpload(form) {
  const box = document.getElementById("upload-progress");
  const failed = document.getElementById("upload-error");
  const save = document.getElementById("record-save");
  if (!box || !failed || !save || !window.XMLHttpRequest || !window.FormData) return;
  const bar = box.querySelector("progress");
  const message = box.querySelector(".upload-message");
  const fail = (said) => {
    box.hidden = true;
    failed.textContent = said;
    failed.hidden = false;
    save.disabled = false;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.max = progress.total;
      bar.value = progress.loaded;
      const percent = Math.floor((100 * progress.loaded) / progress.total);
      message.textContent =
        `Đang gửi tệp âm thanh: ${percent}% (${megabytes(progress.loaded)}/` +
        `${megabytes(progress.total)} MB)…`;
    });
    request.upload.addEventListener("load", () => {
      bar.value = bar.max;
      message.textContent = "Đã gửi xong; máy chủ đang xử lý âm thanh (có thể mất một lúc)…";
    });
    request.addEventListener("load", () => {
      const answer = request.response;
      if (answer && answer.location) {
        window.location.assign(answer.location);
      } else {
        fail((answer && answer.error) || "Chưa lưu được bản ghi âm: máy chủ trả lời bất thường. Hãy tải lại trang rồi thử lại.");
      }
    });
    request.addEventListener("error", () =>
      fail("Mất kết nối với máy chủ khi gửi tệp. Hãy kiểm tra mạng rồi bấm “Lưu bản ghi âm” lần nữa."),
    );
    failed.hidden = true;
    bar.value = 0;
    message.textContent = "Đang bắt đầu gửi tệp âm thanh…";
    box.hidden = false;
    save.disabled = true;
    request.send(new FormData(form));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const player = document.getElementById("record-player");
  const out = document.getElementById("record-length");
  const input = document.getElementById("audio-file");
  const form = document.getElementById("record-form");
  if (!player || !out || !input || !form) return;
  setUpRecorder(player, out, input);
  setUpUpload(form);
});
