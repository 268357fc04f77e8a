#!/usr/bin/env node
// Committed launcher, so the `conclave-watch` bin link is valid even before the build has run.
import '../dist/main.js';
