#!/usr/bin/env node
// The `x-media` command. This file is plain ES5 on purpose: it must parse and run on any Node.js,
// so that an unsupported one is told so in one line (exit code 2) instead of failing with a stack
// trace inside a dependency. Everything else is loaded only after the check, by launch.cjs.
"use strict";
var launch = require("./check.cjs")("x-media", require("../package.json"));
if (launch) launch("../dist/x-media.js");
