package dev.dendrite.ops;

/** How a loss combines per-element values: their mean, their sum, or none (one value per sample). */
public enum Reduction { MEAN, SUM, NONE }
