import { el } from './dom.js';

/** The focus view's fullscreen and screenshot buttons. */
export function wireToolbar(stage: HTMLElement, canvas: HTMLCanvasElement, showError: (text: string) => void): void {
  el('fullscreen').addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void stage.requestFullscreen().catch((err: Error) => showError(`Fullscreen refused: ${err.message}`));
  });

  el('screenshot').addEventListener('click', () => {
    canvas.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `gbstream-${new Date().toISOString().replace(/[:.]/g, '-')}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
  });
}
