package android.app

import android.content.Context
import android.content.res.AssetManager
import android.os.Bundle
import android.view.View
import java.io.File

abstract class Activity : Context() {
    override val assets: AssetManager get() = throw UnsupportedOperationException("stand-in")
    override val filesDir: File get() = throw UnsupportedOperationException("stand-in")
    open fun onCreate(savedInstanceState: Bundle?) {}
    open fun onStop() {}
    open fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {}
    fun checkSelfPermission(permission: String): Int = 0
    fun requestPermissions(permissions: Array<String>, requestCode: Int) {}
    fun setContentView(view: View) {}
    fun runOnUiThread(action: Runnable) {}
    fun getExternalFilesDir(type: String?): File? = null
}
