// The side-by-side view of a comparison: the two videos play, pause and seek together.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const container = document.querySelector("[data-synced-media]");
  if (!container) return;
  const videos = Array.from(container.querySelectorAll("video"));
  if (videos.length !== 2) return;
  // Each change on one video is repeated on the other only when the other differs, so it never echoes back.
  const others = (video) => videos.filter((other) => other !== video);
  videos.forEach((video) => {
    video.addEventListener("play", () => others(video).forEach((other) => {
      if (!other.paused) return;
      other.currentTime = video.currentTime;
      other.play().catch(() => {});
    }));
    video.addEventListener("pause", () => others(video).forEach((other) => {
      if (!other.paused) other.pause();
    }));
    video.addEventListener("seeked", () => others(video).forEach((other) => {
      if (Math.abs(other.currentTime - video.currentTime) > 0.25) other.currentTime = video.currentTime;
    }));
  });
  document.querySelector("[data-synced-play]")?.addEventListener("click", () => {
    videos.forEach((video) => { video.currentTime = 0; video.play().catch(() => {}); });
  });
  document.querySelector("[data-synced-pause]")?.addEventListener("click", () => {
    videos.forEach((video) => video.pause());
  });
});
