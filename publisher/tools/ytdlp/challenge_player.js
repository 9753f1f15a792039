// A tiny stand-in for YouTube's player script, for `publisher doctor` and the tests:
// yt-dlp's challenge provider (deno running yt-dlp-ejs) must find its two functions
// the way it finds them in YouTube's real player, and solve them.
//
// What yt-dlp-ejs 0.8 looks for (its src/yt/solver/solvers.ts and nsig.ts):
// - the script is two statements, `var _yt_player = {};` and a function called with
//   it, whose first statement `var window = this;` is skipped; the solver reads the
//   statements of that function's body;
// - among them, a function whose body calls `X.set("alr", "yes")`: it is YouTube's
//   "make a media URL" function. ejs calls it as f(url, "s", signature), sets the n
//   parameter on what it returns, calls the first method of its prototype that is not
//   constructor, set, get or clone (here `solve`), and reads n and s back.
// The answers are known in advance: n reversed, the signature's first character moved
// to its end. A future yt-dlp-ejs that no longer understands this structure fails the
// check instead of passing it: an early warning that YouTube's real player may fail too.
var _yt_player = {};
(function (g) {
  var window = this;
  var reverse = function (text) {
    return text.split("").reverse().join("");
  };
  var rotate = function (text) {
    return text.slice(1) + text.slice(0, 1);
  };
  var Address = function (base) {
    this.base = base;
    this.params = {};
  };
  Address.prototype.set = function (key, value) {
    this.params[key] = value;
  };
  Address.prototype.get = function (key) {
    return this.params[key];
  };
  Address.prototype.clone = function () {
    var copy = new Address(this.base);
    Object.assign(copy.params, this.params);
    return copy;
  };
  Address.prototype.solve = function () {
    if (this.params.n) this.params.n = reverse(this.params.n);
    if (this.params.s) this.params.s = encodeURIComponent(rotate(decodeURIComponent(this.params.s)));
  };
  var makeAddress = function (base, signatureParam, signature) {
    var address = new Address(base);
    address.set("alr", "yes");
    if (signature) address.set(signatureParam, signature);
    return address;
  };
  g.makeAddress = makeAddress;
})(_yt_player);
