// What the Podcast Index's parser reads from a feed: node partytime.js < FEED.xml
// prints podcast-partytime's parseFeed result as JSON (null when it reads no feed) on
// the last line; the lines before it are the parser's own log (pino writes to stdout).
const { parseFeed } = require("podcast-partytime");

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const xml = Buffer.concat(chunks).toString("utf8");
  const feed = parseFeed(xml, { allowMissingGuid: true });
  process.stdout.write("\n" + JSON.stringify(feed === null ? null : feed) + "\n");
});
