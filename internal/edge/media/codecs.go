package media

import "fmt"

// Codec names as Track.Codec gives them for the codecs browsers decode.
const (
	CodecH264 = "H.264"
	CodecAAC  = "AAC"
	CodecMP3  = "MP3"
)

// flvVideoCodec names the codec of an FLV video tag from its first bytes
// (codec id, or an enhanced-FLV FourCC).
func flvVideoCodec(b []byte) string {
	if b[0]&0x80 != 0 && len(b) >= 5 { // enhanced FLV: a FourCC follows
		return codecName(string(b[1:5]), 0)
	}
	switch b[0] & 0x0f {
	case 1:
		return "JPEG"
	case 2:
		return "Sorenson H.263"
	case 3:
		return "Screen Video"
	case 4:
		return "VP6"
	case 5:
		return "VP6 with alpha"
	case 6:
		return "Screen Video 2"
	case 7:
		return CodecH264
	case 12:
		return "HEVC"
	}
	return fmt.Sprintf("FLV video codec %d", b[0]&0x0f)
}

// flvAudioCodec names the codec of an FLV audio tag from its first byte.
func flvAudioCodec(b byte) string {
	switch b >> 4 {
	case 0, 3:
		return "linear PCM"
	case 1:
		return "ADPCM"
	case 2, 14:
		return CodecMP3
	case 4, 5, 6:
		return "Nellymoser"
	case 7:
		return "G.711 A-law"
	case 8:
		return "G.711 mu-law"
	case 10:
		return CodecAAC
	case 11:
		return "Speex"
	}
	return fmt.Sprintf("FLV audio codec %d", b>>4)
}
