/** The compiler version written into generated files (no timestamps: rebuilds are byte-identical). */
export const VERSION = '0.1.0';
