/** Bytes read per range when streaming a file (CRC-32, sha256). */
export const READ_CHUNK = 4 * 1024 * 1024;
