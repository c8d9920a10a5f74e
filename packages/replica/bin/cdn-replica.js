#!/usr/bin/env node
// Committed so npm links the command at install time, before the TypeScript build exists.
import '../dist/src/cli.js';
