#!/usr/bin/env node
// The skiff command: runs the compiled CLI.
import('../dist/cli/main.js');
