// The site's only script: one player at a time, seeking from chapter, transcript and
// summary links, and copying a feed URL. Without it every link still works: it opens the
// audio at that time, and the feed URL can be selected and copied by hand.
"use strict";

const lastUsed = new WeakMap(); // episode -> the player the visitor last played or moved

function remember(event) {
  const player = event.target;
  if (!(player instanceof HTMLMediaElement)) return;
  const episode = player.closest(".episode");
  if (episode) lastUsed.set(episode, player);
  if (event.type !== "play") return;
  for (const other of document.querySelectorAll("audio, video")) {
    if (other !== player && !other.paused) other.pause();
  }
}

// Media events do not bubble: listen in the capture phase to hear every player's.
document.addEventListener("play", remember, true);
document.addEventListener("seeking", remember, true);

function playerOf(episode) {
  return lastUsed.get(episode) || episode.querySelector("audio");
}

function seek(link) {
  const episode = link.closest(".episode");
  const player = episode && playerOf(episode);
  if (!player) return false;
  const start = Number(link.dataset.start);
  if (!Number.isFinite(start)) return false;
  const details = player.closest("details");
  if (details) details.open = true; // a video seeked while folded away would play unseen
  player.currentTime = start;
  const playing = player.play();
  if (playing) playing.catch(() => {}); // autoplay refused: the player still shows the time
  return true;
}

const COPIED_MS = 2500;

async function copy(button) {
  const status = button.parentElement.querySelector(".copied");
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
  } catch {
    // No clipboard (plain http on another host): select the text for a manual copy.
    const input = button.parentElement.querySelector("input");
    if (input) input.select();
    return;
  }
  if (!status) return;
  status.textContent = "Copied";
  clearTimeout(status.resetTimer);
  status.resetTimer = setTimeout(() => (status.textContent = ""), COPIED_MS);
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

// Copy buttons need this script: they are shown only once it runs.
for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;
