// The script page's render progress: ask the server every second how far the audio has come,
// and when it is ready put it in the player without reloading the page. Without JavaScript the
// page still works: reloading it shows the same progress or the result.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("render-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const message = box.querySelector(".render-message");

  const showAudio = (url) => {
    const section = box.parentElement;
    let player = section.querySelector("audio");
    if (!player) {
      player = document.createElement("audio");
      player.controls = true;
      player.preload = "metadata";
      const missing = section.querySelector(".no-audio");
      if (missing) missing.replaceWith(player);
      else box.after(player);
    }
    player.src = url;
  };

  const ask = async () => {
    let job;
    try {
      const answer = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      job = await answer.json();
    } catch (problem) {
      message.textContent = "Mất kết nối với máy chủ; đang thử lại…";
      setTimeout(ask, 3000);
      return;
    }
    message.textContent = job.message || "";
    if (job.state === "queued" || job.state === "running") {
      bar.max = job.total || 1;
      bar.value = job.done || 0;
      setTimeout(ask, 1000);
      return;
    }
    bar.remove();
    // "Đang tạo âm thanh…" at the top of the page is no longer true
    for (const stale of document.querySelectorAll(".flash.render")) stale.remove();
    box.classList.add(job.state === "done" ? "ok" : "error");
    if (job.state === "done" && job.audio) showAudio(job.audio);
  };
  setTimeout(ask, 500);
});
