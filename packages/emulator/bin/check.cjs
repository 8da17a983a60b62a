// The launcher of a command: checks the running Node.js against the package's `engines.node`, then
// imports the command's built entry. Written in ES5 and kept apart from the `import()` below
// (launch.cjs), so that the check runs on any Node.js. Identical in @x-media/node and
// @x-media/emulator.
"use strict";

var wantsJson = function () {
  var args = process.argv.slice(2);
  for (var i = 0; i < args.length; i++) if (args[i] === "--json" || args[i] === "--json=true") return true;
  return false;
};

/** Prints `line` on stderr (and, with --json, the error object on stdout) and exits 2. */
var fail = function (tag, line, fields) {
  if (wantsJson()) {
    var error = { _tag: tag, message: line };
    for (var key in fields) error[key] = fields[key];
    process.stdout.write(JSON.stringify({ error: error }) + "\n");
  }
  process.stderr.write(line + "\n");
  process.exit(2);
};

var numbers = function (version) {
  var match = /(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
};

var atLeast = function (found, required) {
  for (var i = 0; i < 3; i++) if (found[i] !== required[i]) return found[i] > required[i];
  return true;
};

/**
 * Returns the launcher when this Node.js is recent enough for `pkg` (its package.json), else prints
 * which version is needed and which was found, and exits 2.
 */
module.exports = function check(name, pkg) {
  var required = numbers(pkg.engines.node);
  var found = process.versions.node;
  if (!atLeast(numbers(found), required)) {
    var needed = required.join(".");
    fail("UnsupportedNode", name + " needs Node.js " + needed + " or later; this is Node.js " + found + ".", {
      required: needed,
      found: found
    });
    return undefined;
  }
  return require("./launch.cjs")(name, pkg, fail);
};
