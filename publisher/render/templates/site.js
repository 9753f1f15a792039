// The site's only script: seeking the player from chapter and transcript links, and
// copying a feed URL. Without it every link still works: it opens the audio at that time.
"use strict";

function playerOf(episode) {
  // Seek the video when it is the one being watched, otherwise the audio.
  const video = episode.querySelector("video");
  if (video && !video.paused) return video;
  return episode.querySelector("audio");
}

function seek(link) {
  const episode = link.closest(".episode");
  const player = episode && playerOf(episode);
  if (!player) return false;
  const start = Number(link.dataset.start);
  if (!Number.isFinite(start)) return false;
  player.currentTime = start;
  const playing = player.play();
  if (playing) playing.catch(() => {}); // autoplay refused: the player still shows the time
  return true;
}

async function copy(button) {
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard (plain http on another host): select the text for a manual copy.
    const input = button.parentElement.querySelector("input");
    if (input) input.select();
    return;
  }
  button.textContent = "Copied";
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const link = target && target.closest("a[data-start]");
  if (link && seek(link)) {
    event.preventDefault();
    return;
  }
  const button = target && target.closest("button[data-copy]");
  if (button) copy(button);
});
