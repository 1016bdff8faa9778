import SwiftUI

@main
struct F3EdgeDemoApp: App {
    var body: some Scene {
        WindowGroup { ContentView() }
    }
}
