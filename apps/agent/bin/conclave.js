#!/usr/bin/env node
// Committed launcher, so the `conclave` bin link is valid even before the build has run.
import '../dist/main.js';
