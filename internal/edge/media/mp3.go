package media

import (
	"errors"
	"fmt"
	"io"

	"github.com/bluenviron/gortmplib/pkg/amf0"
)

var errNoSync = errors.New("media: no MPEG audio frame found")

// mpegFrame is the part of an MPEG-1/2/2.5 audio frame header the index needs.
type mpegFrame struct {
	size       int
	samples    int // per channel
	sampleRate int
	stereo     bool
	layer      int
	mpeg1      bool
}

var (
	mpegRates = [4][3]int{ // [version][index]; version 0 = 2.5, 2 = MPEG-2, 3 = MPEG-1
		{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000},
	}
	mpegBitrates = [2][3][15]int{ // [mpeg1?][layer-1][index], kbit/s
		{ // MPEG-2 / 2.5
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		},
		{ // MPEG-1
			{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
			{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
		},
	}
)

// parseMPEGHeader decodes a 4-byte MPEG audio frame header.
func parseMPEGHeader(h []byte) (mpegFrame, bool) {
	if h[0] != 0xff || h[1]&0xe0 != 0xe0 {
		return mpegFrame{}, false
	}
	version := int(h[1]>>3) & 3
	layer := 4 - int(h[1]>>1)&3
	brIdx := int(h[2] >> 4)
	srIdx := int(h[2]>>2) & 3
	if version == 1 || layer == 4 || brIdx == 0 || brIdx == 15 || srIdx == 3 {
		return mpegFrame{}, false // reserved values and free format
	}
	f := mpegFrame{layer: layer, mpeg1: version == 3, stereo: h[3]>>6 != 3}
	f.sampleRate = mpegRates[version][srIdx]
	v1 := 0
	if f.mpeg1 {
		v1 = 1
	}
	bitrate := mpegBitrates[v1][layer-1][brIdx] * 1000
	pad := int(h[2]>>1) & 1
	switch {
	case layer == 1:
		f.samples = 384
		f.size = (12*bitrate/f.sampleRate + pad) * 4
	case layer == 3 && !f.mpeg1:
		f.samples = 576
		f.size = 72*bitrate/f.sampleRate + pad
	default:
		f.samples = 1152
		f.size = 144*bitrate/f.sampleRate + pad
	}
	return f, true
}

// isInfoFrame reports whether the frame at body carries a Xing/Info or VBRI
// header (encoder information, no audio): players skip it, so must we.
func isInfoFrame(f mpegFrame, body []byte) bool {
	side := 17 // Layer III side information size
	switch {
	case f.mpeg1 && f.stereo:
		side = 32
	case !f.mpeg1 && !f.stereo:
		side = 9
	}
	if x := 4 + side; len(body) >= x+4 {
		if s := string(body[x : x+4]); s == "Xing" || s == "Info" {
			return true
		}
	}
	return len(body) >= 40 && string(body[36:40]) == "VBRI"
}

// parseMP3 indexes an MPEG audio elementary stream (ID3v2 tags skipped).
// Each frame becomes one RTMP audio message (codec 2).
func parseMP3(r io.ReaderAt, size int64) (*Asset, error) {
	off := skipID3v2(r)
	a := &Asset{}
	var first mpegFrame
	var samples int64
	buf := make([]byte, 48)
	for off+4 <= size {
		n, _ := r.ReadAt(buf, off)
		if n < 4 {
			break
		}
		f, ok := parseMPEGHeader(buf[:4])
		if !ok || off+int64(f.size) > size {
			if len(a.Tags) == 0 && off < 64*1024 && off+1 < size {
				off++ // resynchronise over junk before the first frame
				continue
			}
			break // trailing ID3v1 tag, junk or a truncated frame
		}
		if len(a.Tags) == 0 {
			if f.layer == 3 && isInfoFrame(f, buf[:n]) {
				off += int64(f.size)
				continue
			}
			first = f
		}
		t := Tag{Offset: off, Size: uint32(f.size), Type: TypeAudio, PrefixLen: 1,
			Time: uint32(samples * 1000 / int64(first.sampleRate))}
		t.Prefix[0] = mp3TagHeader(first)
		a.Tags = append(a.Tags, t)
		samples += int64(f.samples)
		off += int64(f.size)
	}
	if len(a.Tags) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, errNoSync)
	}
	a.addTrack(TypeAudio, mpegAudioCodec(first))
	a.Meta = amf0.Object{
		{Key: "audiocodecid", Value: float64(2)},
		{Key: "audiosamplerate", Value: float64(first.sampleRate)},
		{Key: "audiosamplesize", Value: float64(16)},
		{Key: "stereo", Value: first.stereo},
	}
	return a, nil
}

// mpegAudioCodec names the layer of an MPEG audio stream.
func mpegAudioCodec(f mpegFrame) string {
	if f.layer == 3 {
		return CodecMP3
	}
	return fmt.Sprintf("MPEG audio layer %d", f.layer)
}

// mp3TagHeader is the FLV/RTMP audio tag header byte of an MP3 stream:
// codec 2, the nearest of the rates FLV can express, 16-bit, channels.
func mp3TagHeader(f mpegFrame) byte {
	rate := byte(3) // 44 kHz; FLV has no code for 32/48 kHz, decoders read the frame header
	switch {
	case f.sampleRate <= 11025:
		rate = 1
	case f.sampleRate <= 24000:
		rate = 2
	}
	b := byte(2<<4) | rate<<2 | 1<<1
	if f.stereo {
		b |= 1
	}
	return b
}

// skipID3v2 returns the offset after a leading ID3v2 tag (0 if none).
func skipID3v2(r io.ReaderAt) int64 {
	var h [10]byte
	if _, err := r.ReadAt(h[:], 0); err != nil || string(h[:3]) != "ID3" {
		return 0
	}
	n := int64(h[6]&0x7f)<<21 | int64(h[7]&0x7f)<<14 | int64(h[8]&0x7f)<<7 | int64(h[9]&0x7f)
	if h[5]&0x10 != 0 {
		n += 10 // footer present
	}
	return 10 + n
}
