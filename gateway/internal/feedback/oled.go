package feedback

import (
	"context"
	"image"
	"image/draw"

	"github.com/hajimehoshi/bitmapfont/v3"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"periph.io/x/conn/v3/display"
	"periph.io/x/devices/v3/ssd1306/image1bit"
)

// Font metrics of bitmapfont: 12 px lines, half-width glyphs 6 px wide.
const (
	lineHeight = 12
	headScale  = 2
)

// Render draws s onto a fresh 1-bit image of size r, the SSD1306's native
// layout: the headline at twice the font size, then the lines. Text wider
// than the screen is cut at the right edge.
func Render(s Screen, r image.Rectangle) *image1bit.VerticalLSB {
	img := image1bit.NewVerticalLSB(r)
	y := r.Min.Y
	if s.Head != "" {
		head := textImage(s.Head)
		scaleInto(img, head, image.Pt(r.Min.X, y), headScale)
		y += lineHeight*headScale + 2
	}
	for _, l := range s.Lines {
		if y+lineHeight > r.Max.Y {
			break
		}
		draw.Draw(img, image.Rect(r.Min.X, y, r.Max.X, y+lineHeight), textImage(l), image.Point{}, draw.Over)
		y += lineHeight
	}
	return img
}

// textImage draws one line of text, white on transparent.
func textImage(s string) *image.Alpha {
	w := font.MeasureString(bitmapfont.Face, s).Ceil()
	img := image.NewAlpha(image.Rect(0, 0, max(w, 1), lineHeight))
	d := font.Drawer{Dst: img, Src: image.Opaque, Face: bitmapfont.Face, Dot: fixed.P(0, 11)} // glyphs span rows 0–11 above a baseline at 11
	d.DrawString(s)
	return img
}

// Width returns the width in pixels of s at the normal size, for checking
// that canned texts fit a screen.
func Width(s string) int { return font.MeasureString(bitmapfont.Face, s).Ceil() }

// scaleInto copies src, scaled by k with nearest neighbour, onto dst at at.
func scaleInto(dst *image1bit.VerticalLSB, src *image.Alpha, at image.Point, k int) {
	b := src.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if src.AlphaAt(x, y).A < 0x80 {
				continue
			}
			for dy := 0; dy < k; dy++ {
				for dx := 0; dx < k; dx++ {
					p := image.Pt(at.X+(x-b.Min.X)*k+dx, at.Y+(y-b.Min.Y)*k+dy)
					if p.In(dst.Rect) {
						dst.SetBit(p.X, p.Y, image1bit.On)
					}
				}
			}
		}
	}
}

// OLED shows screens on a display.Drawer (an SSD1306 over I²C, or a fake).
type OLED struct {
	d display.Drawer
}

// NewOLED returns an output drawing on d.
func NewOLED(d display.Drawer) *OLED { return &OLED{d: d} }

func (o *OLED) String() string { return "oled" }

// Show draws the screen for e; a Status event waits for the idle screen.
func (o *OLED) Show(ctx context.Context, e Event) error {
	s, ok := ScreenFor(e)
	if !ok {
		return nil
	}
	return o.draw(s)
}

// Idle draws the resting screen with the status st.
func (o *OLED) Idle(ctx context.Context, st Event) error { return o.draw(IdleScreen(st)) }

func (o *OLED) draw(s Screen) error {
	r := o.d.Bounds()
	return o.d.Draw(r, Render(s, r), r.Min)
}
