#!/usr/bin/env node
// Committed launcher, so the `conclave-env` bin link is valid even before the build has run.
import '../dist/env-main.js';
