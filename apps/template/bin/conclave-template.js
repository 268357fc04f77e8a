#!/usr/bin/env node
// Committed launcher, so the `conclave-template` bin link is valid even before the build has run.
import '../dist/main.js';
