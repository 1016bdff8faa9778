package android.media

class AudioFormat private constructor() {
    class Builder {
        fun setSampleRate(rate: Int): Builder = this
        fun setChannelMask(mask: Int): Builder = this
        fun setEncoding(encoding: Int): Builder = this
        fun build(): AudioFormat = AudioFormat()
    }
    companion object {
        const val CHANNEL_IN_MONO = 16
        const val CHANNEL_OUT_MONO = 4
        const val ENCODING_PCM_FLOAT = 4
    }
}

class AudioAttributes private constructor() {
    class Builder {
        fun setUsage(usage: Int): Builder = this
        fun build(): AudioAttributes = AudioAttributes()
    }
    companion object { const val USAGE_MEDIA = 1 }
}

object MediaRecorder {
    object AudioSource { const val VOICE_RECOGNITION = 6 }
}

class AudioRecord(audioSource: Int, sampleRateInHz: Int, channelConfig: Int, audioFormat: Int, bufferSizeInBytes: Int) {
    val state: Int = STATE_INITIALIZED
    fun startRecording() {}
    fun stop() {}
    fun release() {}
    fun read(audioData: FloatArray, offsetInFloats: Int, sizeInFloats: Int, readMode: Int): Int = 0
    companion object {
        const val STATE_INITIALIZED = 1
        const val READ_BLOCKING = 0
        @JvmStatic fun getMinBufferSize(sampleRateInHz: Int, channelConfig: Int, audioFormat: Int): Int = 0
    }
}

class AudioTrack private constructor() {
    class Builder {
        fun setAudioAttributes(attributes: AudioAttributes): Builder = this
        fun setAudioFormat(format: AudioFormat): Builder = this
        fun setBufferSizeInBytes(size: Int): Builder = this
        fun setTransferMode(mode: Int): Builder = this
        fun build(): AudioTrack = AudioTrack()
    }
    fun play() {}
    fun stop() {}
    fun release() {}
    fun write(audioData: FloatArray, offsetInFloats: Int, sizeInFloats: Int, writeMode: Int): Int = 0
    companion object {
        const val MODE_STREAM = 1
        const val WRITE_BLOCKING = 0
        @JvmStatic fun getMinBufferSize(sampleRateInHz: Int, channelConfig: Int, audioFormat: Int): Int = 0
    }
}
