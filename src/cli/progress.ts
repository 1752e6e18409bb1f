/**
 * A one-line progress bar redrawn at most ten times a second with \r; on a stream that is not a
 * terminal (CI logs) it prints one line per phase instead.
 */
export function progressBar(out: NodeJS.WritableStream & { isTTY?: boolean }, label: string): { update(done: number, total: number, detail?: string): void; finish(text: string): void } {
  let drawnAt = 0;
  let lastDetail: string | undefined;
  const draw = (done: number, total: number, detail = '') => {
    if (!out.isTTY) {
      if (detail !== lastDetail) out.write(`${label}: ${detail} (${done}/${total})\n`);
      lastDetail = detail;
      return;
    }
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * 30);
    out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${detail.padEnd(24)}`);
  };
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (out.isTTY && now - drawnAt < 100 && done < total) return;
      drawnAt = now;
      draw(done, total, detail);
    },
    finish(text) {
      out.write(out.isTTY ? `\r${label} ${text}${' '.repeat(40)}\n` : `${label}: ${text}\n`);
    },
  };
}
