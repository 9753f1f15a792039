// What the Podcast Index's parser reads from a feed: node partytime.js < FEED.xml
// prints podcast-partytime's parseFeed result as JSON (null when it reads no feed).
const { parseFeed } = require("podcast-partytime");

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const xml = Buffer.concat(chunks).toString("utf8");
  const feed = parseFeed(xml, { allowMissingGuid: true });
  process.stdout.write(JSON.stringify(feed === null ? null : feed));
});
