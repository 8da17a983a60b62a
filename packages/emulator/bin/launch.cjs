// Imports a command's built entry (after check.cjs accepted the Node.js version). A broken
// installation (no dist/, a missing dependency) ends with one line that says what to do and exit
// code 2; X_MEDIA_DEBUG=1 adds the stack trace. Identical in @x-media/node and @x-media/emulator.
"use strict";
var fs = require("node:fs");
var path = require("node:path");
var url = require("node:url");

module.exports = function (name, pkg, fail) {
  var optional = pkg.peerDependenciesMeta || {};
  var peers = Object.keys(pkg.peerDependencies || {}).filter(function (peer) {
    return !(optional[peer] && optional[peer].optional);
  }).map(function (peer) {
    return peer + "@" + pkg.peerDependencies[peer];
  });
  var advice = "reinstall " + pkg.name + (peers.length > 0 ? " with its peer dependencies (" + peers.join(", ") + ")" : "") +
    "; in a clone of the x-media repository, run npm install (or npm run build).";
  var debug = function (error) {
    if ((process.env.X_MEDIA_DEBUG || "") !== "" && error && error.stack) process.stderr.write(error.stack + "\n");
  };
  return function launch(entry) {
    var file = path.join(__dirname, entry);
    if (!fs.existsSync(file)) {
      fail("BrokenInstall", name + ": this installation of " + pkg.name + " is incomplete (" + file + " is missing): " + advice, { missing: file });
      return;
    }
    // Node caches the compiled code on disk (os.tmpdir()/node-compile-cache): later starts take about
    // a quarter less CPU and ~15 MB less memory (bench/STARTUP.md). NODE_DISABLE_COMPILE_CACHE=1 turns
    // it off.
    require("node:module").enableCompileCache();
    // Settles once the entry's static modules are evaluated (the command itself may still be running).
    return import(url.pathToFileURL(file).href).catch(function (error) {
      debug(error);
      var message = String((error && error.message) || error).split("\n")[0];
      fail("BrokenInstall", name + ": cannot start (" + message + "): " + advice, {});
    });
  };
};
