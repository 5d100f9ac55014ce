//! Chart text laid out and rasterised by the report itself, with the
//! bundled DejaVu Sans, through a drawing backend that wraps plotters'
//! bitmap backend and replaces only its text path.
//!
//! Why not plotters' own `ab_glyph` text (0.3.7): it rasterises every glyph
//! at pixel origin (0, 0), drops the glyph's left side bearing, truncates
//! the pen position per glyph, and places each glyph's top at
//! `(size / 2 + bounds.min.y) as i32` — a cast that rounds towards zero, so
//! glyphs reaching above the middle line (digits, capitals) are rounded
//! down and glyphs below it (the full stop) rounded up: "243·6 µs" with a
//! raised dot and uneven gaps ("baselin e"). Here every glyph is positioned
//! on one baseline at its fractional pen position (advance plus kerning)
//! and rasterised there, so coverage carries the sub-pixel offset.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters::prelude::{DrawingBackend, IntoDrawingArea};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

/// The bundled fonts, parsed once per process.
struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                bold: FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            })
        })
        .as_ref()
}

/// Why a text could not be drawn.
#[derive(Debug, Clone, Copy)]
pub struct FontUnavailable;

impl std::fmt::Display for FontUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the bundled DejaVu Sans font could not be parsed")
    }
}

impl std::error::Error for FontUnavailable {}

/// One line of text laid out: glyphs on a baseline at `ascent` below the
/// top of the box, the box `width` × `height` pixels (fractional).
#[derive(Debug, Clone)]
pub struct Line {
    pub glyphs: Vec<Glyph>,
    pub width: f32,
    pub height: f32,
    pub ascent: f32,
    bold: bool,
}

/// Lay out `text` at pixel size `size` (ab_glyph's scale: ascent to
/// descent), bold or regular: pen advances plus pair kerning, no rounding.
pub fn layout(text: &str, size: f32, bold: bool) -> Result<Line, FontUnavailable> {
    let fonts = fonts().ok_or(FontUnavailable)?;
    let font = if bold { &fonts.bold } else { &fonts.regular };
    let scale = PxScale::from(size);
    let scaled = font.as_scaled(scale);
    let ascent = scaled.ascent();
    let mut glyphs = Vec::with_capacity(text.len());
    let mut pen = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            pen += scaled.kern(previous, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(pen, ascent)));
        pen += scaled.h_advance(id);
        previous = Some(id);
    }
    Ok(Line {
        glyphs,
        width: pen,
        height: ascent - scaled.descent(),
        ascent,
        bold,
    })
}

impl Line {
    /// Every covered pixel of the line, relative to the top left of its
    /// box, with its coverage in (0, 1].
    pub fn pixels(&self, mut pixel: impl FnMut(i32, i32, f32)) {
        let Some(fonts) = fonts() else { return };
        let font = if self.bold {
            &fonts.bold
        } else {
            &fonts.regular
        };
        for glyph in &self.glyphs {
            let Some(outline) = font.outline_glyph(glyph.clone()) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, coverage| {
                if coverage > 0.0 {
                    pixel(x0 + x as i32, y0 + y as i32, coverage.min(1.0));
                }
            });
        }
    }
}

/// A drawing backend that draws text with [`layout`] and forwards
/// everything else to the backend it wraps.
#[derive(Debug)]
pub struct TextBackend<B> {
    inner: B,
}

impl<B: DrawingBackend> TextBackend<B> {
    pub fn new(inner: B) -> Self {
        Self { inner }
    }
}

/// A drawing area on a bitmap that becomes the PNG at `path` on
/// `present`, whose text is drawn by this module.
pub fn canvas(
    path: &std::path::Path,
    size: (u32, u32),
) -> plotters::drawing::DrawingArea<TextBackend<PngBackend>, plotters::coord::Shift> {
    TextBackend::new(PngBackend::new(path, size)).into_drawing_area()
}

/// Why a chart could not be drawn or written.
#[derive(Debug)]
pub enum PngError {
    /// plotters' bitmap backend refused a drawing operation.
    Draw(String),
    /// The PNG could not be encoded or written.
    Write(String),
}

impl std::fmt::Display for PngError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Draw(problem) | Self::Write(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for PngError {}

/// An RGB bitmap in memory, drawn on through plotters' bitmap backend and
/// written on `present` as a PNG with fast compression, atomically.
///
/// Why not `BitMapBackend::new(path)`: it encodes through the `image`
/// crate at its default compression with adaptive filtering, most of a
/// large comparison chart's time; the fast level took half as long for
/// twice the bytes (1.7 MB for a 240-row chart, measured on the loaded
/// two-core machine, so only the ratio means anything). The large charts
/// sit in folded `<details>` and load lazily, so their bytes cost little.
#[derive(Debug)]
pub struct PngBackend {
    path: std::path::PathBuf,
    size: (u32, u32),
    rgb: Vec<u8>,
}

impl PngBackend {
    pub fn new(path: &std::path::Path, size: (u32, u32)) -> Self {
        Self {
            path: path.to_path_buf(),
            size,
            rgb: vec![255; size.0 as usize * size.1 as usize * 3],
        }
    }

    /// Run `draw` on plotters' bitmap backend over this bitmap.
    fn with<R>(
        &mut self,
        draw: impl FnOnce(
            &mut plotters::prelude::BitMapBackend<'_>,
        ) -> Result<
            R,
            DrawingErrorKind<
                <plotters::prelude::BitMapBackend<'static> as DrawingBackend>::ErrorType,
            >,
        >,
    ) -> Result<R, DrawingErrorKind<PngError>> {
        let mut bitmap = plotters::prelude::BitMapBackend::with_buffer(&mut self.rgb, self.size);
        draw(&mut bitmap).map_err(|e| match e {
            DrawingErrorKind::DrawingError(e) => {
                DrawingErrorKind::DrawingError(PngError::Draw(e.to_string()))
            }
            DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
        })
    }

    /// The PNG of the bitmap.
    fn encode(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.size.0, self.size.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.write_header()?.write_image_data(&self.rgb)?;
        Ok(bytes)
    }
}

impl DrawingBackend for PngBackend {
    type ErrorType = PngError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<PngError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<PngError>> {
        let bytes = self
            .encode()
            .map_err(|e| DrawingErrorKind::DrawingError(PngError::Write(e.to_string())))?;
        crate::store::write_atomic(&self.path, &bytes)
            .map_err(|e| DrawingErrorKind::DrawingError(PngError::Write(e.to_string())))
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.draw_rect(upper_left, bottom_right, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.draw_path(path, style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.fill_polygon(vert, style))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<PngError>> {
        self.with(|b| b.blit_bitmap(pos, size, src))
    }
}

fn line_for<S: BackendTextStyle>(text: &str, style: &S) -> Result<Line, FontUnavailable> {
    layout(
        text,
        style.size() as f32,
        matches!(style.style(), FontStyle::Bold),
    )
}

impl<B: DrawingBackend> DrawingBackend for TextBackend<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let line = line_for(text, style).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (line.width.round() as i32, line.height.round() as i32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let mut result = Ok(());
        line.pixels(|x, y, coverage| {
            if result.is_err() {
                return;
            }
            let (x, y) = transform.transform(x + dx, y + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && x < w as i32 && y < h as i32 {
                result = self.inner.draw_pixel(
                    (x, y),
                    BackendColor {
                        alpha: color.alpha * f64::from(coverage),
                        rgb: color.rgb,
                    },
                );
            }
        });
        result
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let line = line_for(text, style).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        Ok((line.width.ceil() as u32, line.height.ceil() as u32))
    }
}

#[cfg(test)]
mod tests {
    use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    use super::TextBackend;

    /// Large enough that one pixel is a small share of a glyph.
    const SIZE: f64 = 40.0;
    const TEXT: &str = "243.6416";
    const WIDTH: u32 = 240;
    const HEIGHT: u32 = 64;
    /// Where the text's box starts.
    const ORIGIN: (i32, i32) = (10, 8);
    /// Coverage above which a pixel counts as ink.
    const INK: u8 = 128;

    /// Draw `TEXT` black on white through `backend` and return the
    /// darkness of every pixel (0 = white).
    fn ink_of<B: DrawingBackend>(backend: B) -> Result<(), String> {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let style = TextStyle::from(("sans-serif", SIZE).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Top));
        root.draw_text(TEXT, &style, ORIGIN)
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    }

    /// Each glyph's ink as (left column, bottom row), left to right: runs
    /// of columns with ink, separated by blank columns.
    fn glyph_boxes(buffer: &[u8]) -> Vec<(i32, i32)> {
        let dark = |x: u32, y: u32| 255 - buffer[((y * WIDTH + x) * 3) as usize] >= INK;
        let mut boxes = Vec::new();
        let mut current: Option<(i32, i32)> = None;
        for x in 0..WIDTH {
            let bottom = (0..HEIGHT).rev().find(|&y| dark(x, y));
            match (bottom, current.as_mut()) {
                (Some(y), Some(glyph)) => glyph.1 = glyph.1.max(y as i32),
                (Some(y), None) => current = Some((x as i32, y as i32)),
                (None, Some(_)) => boxes.extend(current.take()),
                (None, None) => {}
            }
        }
        boxes.extend(current);
        boxes
    }

    /// Where each glyph's ink should start from the font's own metrics
    /// (pen position from advances and kerning, plus the side bearing),
    /// and the baseline row.
    fn expected() -> (Vec<f32>, f32) {
        let font = FontRef::try_from_slice(dejavu::sans::regular()).expect("bundled font");
        let scaled = font.as_scaled(PxScale::from(SIZE as f32));
        let mut pen = ORIGIN.0 as f32;
        let mut previous = None;
        let mut lefts = Vec::new();
        for c in TEXT.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                pen += scaled.kern(p, id);
            }
            lefts.push(pen + scaled.h_side_bearing(id));
            pen += scaled.h_advance(id);
            previous = Some(id);
        }
        (lefts, ORIGIN.1 as f32 + scaled.ascent())
    }

    /// Glyph positions within a pixel of the font's metrics and every
    /// glyph (the full stop too) resting on one baseline.
    fn check(boxes: &[(i32, i32)]) -> Result<(), String> {
        let (lefts, baseline) = expected();
        if boxes.len() != lefts.len() {
            return Err(format!(
                "{} glyphs found, {} expected",
                boxes.len(),
                lefts.len()
            ));
        }
        for (i, ((left, bottom), want)) in boxes.iter().zip(&lefts).enumerate() {
            let c = TEXT.chars().nth(i).unwrap_or(' ');
            if (*left as f32 - want).abs() > 1.0 {
                return Err(format!(
                    "{c:?} starts at x={left}, the font puts it at {want:.1}"
                ));
            }
            // Ink ends on the pixel row above the baseline (round digits
            // overshoot it by a fraction of a pixel).
            if (*bottom as f32 + 1.0 - baseline).abs() > 1.0 {
                return Err(format!(
                    "{c:?} ends at row {bottom}, the baseline is at {baseline:.1}"
                ));
            }
        }
        Ok(())
    }

    #[test]
    fn glyphs_sit_where_the_font_puts_them() {
        let mut buffer = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
        ink_of(TextBackend::new(BitMapBackend::with_buffer(
            &mut buffer,
            (WIDTH, HEIGHT),
        )))
        .expect("draw");
        check(&glyph_boxes(&buffer)).expect("text drawn by the report");
    }

    /// The same checks catch what plotters 0.3.7's own ab_glyph path
    /// does (raised full stop, dropped side bearings). When this fails,
    /// plotters draws text right and `TextBackend` can go.
    #[test]
    fn plotters_own_text_path_fails_the_same_checks() {
        super::super::style::ensure_font().expect("font");
        let mut buffer = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
        ink_of(BitMapBackend::with_buffer(&mut buffer, (WIDTH, HEIGHT))).expect("draw");
        assert!(check(&glyph_boxes(&buffer)).is_err());
    }
}
