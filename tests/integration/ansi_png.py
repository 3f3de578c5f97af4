"""ansi_png: a terminal screen as tmux shows it (capture-pane -e: text with SGR colour codes) drawn to a PNG
with Pillow and DejaVu Sans Mono, for the README's screenshots (scripts/screenshots.sh). Not a test helper
for assertions: the tests read the text itself."""
import re

BASIC = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205),
         (229, 229, 229)]
BRIGHT = [(102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214),
          (41, 184, 219), (255, 255, 255)]
FG, BG = (220, 220, 220), (24, 26, 33)


def _c256(n):
    if n < 8:
        return BASIC[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        return tuple(0 if v == 0 else 55 + 40 * v for v in (n // 36, n // 6 % 6, n % 6))
    return (8 + 10 * (n - 232),) * 3


def render(screen, path, cols=80, rows=24):
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 15)
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 15)
    cw, ch = 9, 19
    img = Image.new("RGB", (cols * cw + 16, rows * ch + 16), BG)
    d = ImageDraw.Draw(img)
    for y, line in enumerate(screen.splitlines()[:rows]):
        fg, bg, b, rev, x = FG, None, False, False, 0
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
            if m:
                codes = [int(c) for c in m.group(1).split(";") if c] or [0]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, b, rev = FG, None, False, False
                    elif c == 1:
                        b = True
                    elif c == 7:
                        rev = True
                    elif 30 <= c <= 37:
                        fg = BASIC[c - 30]
                    elif 40 <= c <= 47:
                        bg = BASIC[c - 40]
                    elif 90 <= c <= 97:
                        fg = BRIGHT[c - 90]
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        if c == 38:
                            fg = _c256(codes[i + 2])
                        else:
                            bg = _c256(codes[i + 2])
                        i += 2
                    elif c == 39:
                        fg = FG
                    elif c == 49:
                        bg = None
                    i += 1
                continue
            for chr_ in part:
                f, k = (bg or BG, fg) if rev else (fg, bg)
                px, py = 8 + x * cw, 8 + y * ch
                if k:
                    d.rectangle([px, py, px + cw - 1, py + ch - 1], fill=k)
                d.text((px, py), chr_, font=bold if b else font, fill=f)
                x += 1
    img.save(path)
