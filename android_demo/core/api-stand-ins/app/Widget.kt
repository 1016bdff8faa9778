package android.widget

import android.content.Context
import android.view.View
import android.view.ViewGroup

open class TextView(context: Context) : View(context) {
    var text: CharSequence = ""
    var textSize: Float = 14f
}

class Button(context: Context) : TextView(context)

class LinearLayout(context: Context) : ViewGroup(context) {
    var orientation: Int = 0
    companion object { const val VERTICAL = 1 }
}
