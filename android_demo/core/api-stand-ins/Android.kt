package android.content

import android.content.res.AssetManager
import java.io.File

abstract class Context {
    abstract val assets: AssetManager   // Java getAssets(), seen from Kotlin as a property
    abstract val filesDir: File         // Java getFilesDir()
}
