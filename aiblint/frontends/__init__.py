"""Front ends: one loader per source language, each building the same positioned tree."""
