// The "Ghi âm bản tin" page: record from the microphone with MediaRecorder, play it back,
// and put the recording into the form's file box, so saving sends it like an uploaded file.
// Loaded as a file: the pages allow no inline script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const start = document.getElementById("record-start");
  const stop = document.getElementById("record-stop");
  const status = document.getElementById("record-status");
  const player = document.getElementById("record-player");
  const input = document.getElementById("audio-file");
  if (!start || !stop || !status || !player || !input) return;
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
      player.src = URL.createObjectURL(blob);
      player.hidden = false;
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
});
